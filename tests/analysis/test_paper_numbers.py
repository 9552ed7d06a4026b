"""Every number in analysis/paper_data equals the one in ALGORITHMS.md §7 (parsed here from the markdown)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from analysis.paper_numbers import PAPER_TABLES, load_paper_numbers, parse_count

ALGORITHMS = Path(__file__).resolve().parents[2] / ".." / "shared" / "design" / "ALGORITHMS.md"


def section_7_tables() -> dict[str, list[list[str]]]:
    """The markdown tables of §7, keyed by their header line (cells stripped, header row dropped)."""
    text = ALGORITHMS.read_text()
    section = text[text.index("## 7. Reference numbers"):text.index("## 8. ")]
    tables, current = {}, None
    for line in section.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if current is None:
            current = tables.setdefault(" | ".join(cells), [])
        elif not set("".join(cells)) <= set("-: "):
            current.append(cells)
    return tables


def table(header_start: str) -> list[list[str]]:
    matches = [rows for header, rows in section_7_tables().items() if header.startswith(header_start)]
    assert len(matches) == 1, f"expected one §7 table starting {header_start!r}"
    return matches[0]


def number(cell: str) -> float:
    """The first number of a cell ("92.08 ± 0.15 (slides…)" -> 92.08, "7.24e-2 (?)" -> 0.0724); NaN for "—"."""
    found = re.search(r"\d+(?:\.\d+)?(?:e-?\d+)?", cell)
    return float(found.group()) if found and not cell.startswith(("—", "out of memory")) else math.nan


def std(cell: str) -> float:
    found = re.search(r"± (\d+\.\d+)", cell)
    return float(found.group(1)) if found else math.nan


def seconds(cell: str) -> float:
    """ "1 min 32 s" -> 92; "—" -> NaN."""
    found = re.fullmatch(r"(?:(\d+) min ?)?(?:(\d+) s)?", cell.strip())
    if not found or not cell.strip():
        return math.nan
    return 60 * int(found.group(1) or 0) + int(found.group(2) or 0)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_every_paper_table_loads():
    for name in PAPER_TABLES:
        assert len(load_paper_numbers(name)) > 0


def test_ide_accuracy_matches_section_7_1():
    rows = table("Dataset | Neuron model | Architecture | T | Mean ± std")
    ours = load_paper_numbers("ide_accuracy")
    assert len(rows) == len(ours) == 19
    for cells, (_, row) in zip(rows, ours.iterrows()):
        dataset, neuron, architecture, steps, mean_std, best, neurons, params = cells
        assert (row.dataset, row.neuron, row.architecture, row["T"]) == (dataset, neuron, architecture, int(steps))
        assert same(row.accuracy_mean, number(mean_std)) and same(row.accuracy_std, std(mean_std))
        assert same(row.accuracy_best, number(best)) and (row.neurons, row.params) == (neurons, params)


def test_ide_memory_and_firing_rates_match_section_7_1():
    memory = load_paper_numbers("ide_memory")
    for cells, (_, row) in zip(table("Method | T | GPU memory | Accuracy"), memory.iterrows(), strict=True):
        method, steps, gpu_memory, accuracy = [cell.replace("\\*", "*") for cell in cells]
        name, _, remark = method.partition(" (")
        assert row.method == name and row["T"] == int(steps)
        assert remark.rstrip(")") in str(row.note) and (number(gpu_memory) == number(gpu_memory) or
                                                          gpu_memory in str(row.note))
        assert same(row.memory_gb, number(gpu_memory)) and same(row.accuracy_mean, number(accuracy))
        assert same(row.accuracy_std, std(accuracy))
    rates = load_paper_numbers("ide_firing_rates").set_index(["method", "layer"])["rate"]
    rows = table("Layer | IDE-IF | IDE-LIF | STBP-LIF")
    assert len(rows) * 3 == len(rates)
    for layer, *values in rows:
        for method, value in zip(("IDE-IF", "IDE-LIF", "STBP-LIF*"), values):
            assert rates[(method, layer)] == pytest.approx(number(value))


def test_ide_baselines_match_section_7_2():
    rows = table("Dataset | Method | Structure | T | Mean ± std")
    ours = load_paper_numbers("ide_baselines")
    assert len(rows) == len(ours)
    for cells, (_, row) in zip(rows, ours.iterrows()):
        dataset, method, structure, steps, mean_std, best, neurons, params = cells
        assert (row.dataset, row.method, row.structure.replace("*", "\\*")) == (dataset, method, structure) or \
            (row.dataset, row.method, row.structure) == (dataset, method, structure)
        assert row["T"] == steps and (row.neurons, row.params) == (neurons, params)
        assert same(row.accuracy_mean, number(mean_std)) and same(row.accuracy_best, number(best))


def test_mpis_table_a_matches_section_7_3():
    ours = load_paper_numbers("mpis_vs_bptt")
    architecture = None
    for cells, (_, row) in zip(table("Dataset | Method | Params | Architecture | T | Acc | Time | Memory"),
                               ours.iterrows(), strict=True):
        dataset, method, params, arch, steps, accuracy, time, memory = cells
        architecture = architecture if arch == "same" else arch
        assert (row.dataset, row.method, row.architecture, row["T"]) == (dataset, method, architecture, int(steps))
        assert row.params == params.split()[0]
        assert same(row.accuracy, number(accuracy)) and same(row.time_s, seconds(time))
        assert same(row.memory_gb, number(memory))


def test_mpis_firing_rates_and_table_b_match_section_7_3():
    rates = load_paper_numbers("mpis_firing_rates").set_index(["method", "layer"])["rate"]
    for method, *values in table("Method | Layer 1 | Layer 2 | Layer 3"):
        for layer, value in enumerate(values, start=1):
            assert rates[(method, str(layer))] == pytest.approx(number(value))
    ours = load_paper_numbers("mpis_vs_ide")
    for cells, (_, row) in zip(table("Dataset | Method | Size | T | Acc | Time"), ours.iterrows(), strict=True):
        dataset, method, size, steps, accuracy, time = cells
        assert (row.dataset, row.method, row["size"], row["T"]) == (dataset, method, size, int(steps))
        assert same(row.accuracy, number(accuracy)) and same(row.time_s, seconds(time))


def test_mpis_table_c_matches_section_7_3():
    entries = []
    for dataset, text in table("Dataset | Entries"):
        for method, steps, accuracy in re.findall(r"\**([A-Za-z][\w\- ]*?) (\d+) / (\d+\.\d+)\**", text):
            entries.append((dataset, method.strip(), int(steps), float(accuracy)))
    ours = load_paper_numbers("mpis_recent_methods")
    assert entries == list(ours[["dataset", "method", "T", "accuracy"]].itertuples(index=False, name=None))


def test_parse_count_reads_the_papers_rounded_counts():
    assert [parse_count(t) for t in ("229K", "1.2K", "3.7M", "> 30M")] == [229e3, 1.2e3, 3.7e6, 30e6]
    assert math.isnan(parse_count("")) and math.isnan(parse_count(float("nan")))
