"""Table D: firing rate per layer, the papers' values beside ours.

Ours per layer l: IDE (one stream) reports ``firing_rate_s0_l<l>``; MPIS and the BPTT CNN average
``firing_rate_s<s>_l<l>`` over streams s; "Total" is ``firing_rate_total``. Every rate is the
unweighted spike count / T per neuron, averaged over neurons, samples and seeds (ALGORITHMS.md §6).
IDE's slide values may follow the repository's ÷L counting bug, so IDE rows also show ours ÷ L.

Beside each rate: the layer's synaptic operations (ACs), MACs and energy per test sample
(``synaptic_ops_s<s>_l<l>``, ``macs_...``, ``energy_uj_...``, summed over streams: the ops whose output
is that layer's current, see ``mpis.models.operation_count``); "Total" holds the network's totals,
stem and head included. Energy: Horowitz (ISSCC 2014) 45 nm constants, arithmetic only (``mpis.energy``).
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.paper_numbers import load_paper_numbers
from analysis.paper_rows import completed_runs, label_trials
from analysis.study_error import StudyError
from analysis.tables.comparison import ValueColumn, compare_with_paper
from analysis.tables.paper_table import PaperTable, hardware_note, outcome_note
from analysis.tables.seed_summary import summarise_over_seeds
from mpis import metric_names as m

LAYER_COLUMN = re.compile(re.escape(m.FIRING_RATE_LAYER_PREFIX) + r"(\d+)_l(\d+)$")
OPERATION_COLUMNS = {"ACs": (m.SYNAPTIC_OPS_LAYER_PREFIX, m.SYNAPTIC_OPS), "MACs": (m.MACS_LAYER_PREFIX, m.MACS),
                     "Energy (µJ)": (m.ENERGY_LAYER_PREFIX, m.ENERGY_UJ)}  # column -> (per-layer prefix, total)
IDE_REPO_CONVENTION = "Rate ÷ L (ours, IDE repo convention)"


def _paper_rates() -> pd.DataFrame:
    ide = load_paper_numbers("ide_firing_rates").assign(paper_source="IDE: CIFAR-10 AlexNet-F")
    mpis = load_paper_numbers("mpis_firing_rates").assign(paper_source="MPIS: dataset not given")
    return pd.concat([ide, mpis], ignore_index=True)


def _method_with_neuron(row: pd.Series) -> str:
    if row["method"] == "IDE":
        return "IDE-IF" if row["neuron"] == "IF" else "IDE-LIF"
    return row["method"]


def _our_rates(summary: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (method, dataset, layer) with ``rate`` and ``layers``."""
    rows = []
    for _, group in summary.iterrows():
        by_layer: dict[int, list[float]] = {}
        for column, value in group.items():
            match = LAYER_COLUMN.match(str(column))
            if match and pd.notna(value):
                by_layer.setdefault(int(match.group(2)), []).append(float(value))
        base = {"method": group["method"], "dataset": group["dataset"], "runs": group["runs"],
                "hardware": group["hardware"], "layers": len(by_layer)}
        for layer, rates in sorted(by_layer.items()):
            rows.append({**base, "layer": str(layer), "rate": sum(rates) / len(rates),
                         **_layer_operations(group, layer, len(by_layer))})
        if pd.notna(group.get(m.FIRING_RATE_TOTAL)):
            rows.append({**base, "layer": "Total", "rate": float(group[m.FIRING_RATE_TOTAL]),
                         **{name: float(group.get(total, float("nan"))) for name, (_, total) in OPERATION_COLUMNS.items()}})
    return pd.DataFrame(rows)


def _layer_operations(group: pd.Series, layer: int, layers: int) -> dict[str, float]:
    """ACs, MACs and energy of layer ``layer``, summed over streams (NaN where no stream reported them)."""
    values = {}
    for name, (prefix, _) in OPERATION_COLUMNS.items():
        pattern = re.compile(re.escape(prefix) + r"s\d+_l" + str(layer) + "$")
        found = [float(v) for column, v in group.items() if pattern.match(str(column)) and pd.notna(v)]
        values[name] = sum(found) if found else float("nan")
    return values


def build_firing_rate_table(trials: pd.DataFrame, study_info: dict,
                            all_trials: pd.DataFrame | None = None) -> PaperTable:
    """Table D for the usable ``trials`` of a study."""
    labelled, left_out = completed_runs(label_trials(trials, "D"), "D")
    labelled["method"] = labelled.apply(_method_with_neuron, axis=1)
    ours = _our_rates(summarise_over_seeds(labelled, ["method", "dataset"]))
    if ours.empty:
        raise_missing_rates(labelled)
    frame = compare_with_paper(_paper_rates(), ours, ["method", "layer"],
                               [ValueColumn("Rate", "rate", "rate")], context=["paper_source", "dataset"])
    merged_layers = frame["method"].map(ours.groupby("method")["layers"].max())
    is_ide = frame["method"].str.startswith("IDE")
    frame[IDE_REPO_CONVENTION] = (frame["Rate (ours)"] / merged_layers).where(is_ide)
    if all(name in ours for name in OPERATION_COLUMNS):
        operations = ours[["method", "dataset", "layer", *OPERATION_COLUMNS]]
        frame = frame.merge(operations, on=["method", "dataset", "layer"], how="left")
    frame = frame.rename(columns={"dataset": "dataset (ours)"})
    notes = [hardware_note(study_info, labelled),
             "Rate = spikes per neuron per step, mean over neurons, test samples and seeds.",
             "Layer l of MPIS/BPTT = mean over streams; Total = all spikes / all spiking neurons / T.",
             "Δ = ours − paper. IDE slides may divide by L (ALGORITHMS.md §6), hence the ÷ L column."]
    notes += [left_out] if left_out else []
    if all_trials is not None:
        notes.append(outcome_note(all_trials))
    formats = {column: ".3g" for column in frame.columns if "Rate" in column or column in OPERATION_COLUMNS}
    return PaperTable("Table D: firing rate per layer", frame, tuple(notes), formats)


def raise_missing_rates(labelled: pd.DataFrame) -> None:
    """Raise a StudyError: the trials of table D reported no firing rates."""
    presets = ", ".join(sorted(set(labelled["model.preset"])))
    raise StudyError(f"table D has no data: trials of {presets} reported no {m.FIRING_RATE_TOTAL} "
                     f"or {m.FIRING_RATE_LAYER_PREFIX}<stream>_l<layer> metrics")
