"""The gsnn reference numbers (analysis/paper_data/gsnn_release.csv) equal ECML.md §2, parsed here
from the markdown; gsnn trials are their own method ("GSNN bptt") and fill table G's rows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.paper_numbers import load_paper_numbers, parse_count
from analysis.paper_rows import label_trials
from analysis.tables.registry import TABLE_NAMES, TABLES
from analysis.trial_ranking import method_labels

ECML = Path(__file__).resolve().parents[2] / ".." / "shared" / "design" / "ECML.md"


def section_2() -> str:
    text = ECML.read_text()
    return text[text.index("## 2. Reported results"):text.index("## 3. ")]


def supplement_table_2() -> dict[tuple[str, str], float]:
    """(dataset, cell) -> top-1 of supp. Table 2 as ECML.md §2 writes it (× cells left out)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section_2().splitlines()
            if line.strip().startswith("|")]
    header, body = rows[0], [r for r in rows[2:]]
    return {(row[0], cell): float(value) for row in body for cell, value in zip(header[1:], row[1:]) if value != "×"}


def test_the_screenshot_numbers_are_the_design_notes():
    text, paper = section_2(), load_paper_numbers("gsnn_release").set_index(["dataset", "method"])
    cnn, lstm = paper.loc[("CIFAR-10", "GSNN CNN")], paper.loc[("CIFAR-10", "GSNN LSTM")]
    acc = re.search(r"top-1 \*\*([\d.]+) %\*\*, top-5 ([\d.]+) %", text)
    cnn_cost = re.search(r"ptflops \*\*([\d.]+) MMac\*\* and \*\*([\d.]+) M params\*\*", text)
    lstm_cost = re.search(r"ptflops reports \*\*([\d.]+) MMac and ([\d.]+) M params\*\*", text)
    assert (cnn["accuracy"], cnn["top5"]) == (float(acc[1]), float(acc[2])) == (92.90, 99.79)
    assert (cnn["mmac"], parse_count(cnn["params"])) == (float(cnn_cost[1]), float(cnn_cost[2]) * 1e6)
    assert (lstm["mmac"], parse_count(lstm["params"])) == (float(lstm_cost[1]), float(lstm_cost[2]) * 1e6)
    assert pd.isna(lstm["accuracy"]) and set(paper["T"]) == {1}


def test_the_supplement_table_2_numbers_are_the_design_notes():
    expected = supplement_table_2()
    assert len(expected) == 7 and expected[("CIFAR-10", "GRU")] == 91.66
    paper = load_paper_numbers("gsnn_release")
    ours = {(row.dataset, row.method.removeprefix("GSNN ")): row.accuracy for row in paper.itertuples()
            if row.source == "supp. Table 2"}
    assert ours == expected


def test_gsnn_trials_are_their_own_method_and_fill_table_g():
    trials = pd.DataFrame({"model.preset": ["gsnn_cifar10_cnn", "mpis_cifar10", "gsnn_cifar10_lstm"],
                           "model.gradient": ["bptt", "implicit", "bptt"], "model.simulation.time_steps": [1, 30, 1],
                           "model.neuron.leak": [0.4, 0.99, 0.4]})
    assert method_labels(trials).tolist() == ["GSNN bptt", "MPIS implicit", "GSNN bptt"]
    labelled = label_trials(trials, "G")
    assert labelled["method"].tolist() == ["GSNN CNN", "GSNN LSTM"] and set(labelled["T"]) == {1}
    assert TABLE_NAMES["G"] == "gsnn_release" and "G" in TABLES


def test_a_trial_that_overrides_the_cell_fills_that_cells_row():
    trials = pd.DataFrame({"model.preset": ["gsnn_cifar10_cnn"] * 3 + ["gsnn_cifar10_lstm"],
                           "model.gradient": ["bptt"] * 4, "model.simulation.time_steps": [1] * 4,
                           "model.gsnn.cell": ["gru", "rnn", None, None],
                           "model.gsnn.bidirectional": [None, True, None, None]})
    labelled = label_trials(trials, "G")
    assert labelled["method"].tolist() == ["GSNN GRU", "GSNN Bi-RNN", "GSNN CNN", "GSNN LSTM"]

