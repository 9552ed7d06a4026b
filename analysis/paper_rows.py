"""Which paper row a trial reproduces: its preset and gradient mode pick the row family
(``paper_data/preset_rows.csv``); T, the neuron model and the architecture pick the row.

Example::

    labelled = label_trials(trials, "A")  # adds dataset, method, architecture, size, T, neuron
"""

from __future__ import annotations

import pandas as pd

from analysis.paper_numbers import load_paper_numbers
from analysis.study_error import StudyError

PRESET = "model.preset"
GRADIENT = "model.gradient"
TIME_STEPS = "model.simulation.time_steps"
LEAK = "model.neuron.leak"
DEFAULTS = {GRADIENT: "implicit", LEAK: 1.0}  # ModelConfig's defaults, for configs that omit them
GSNN_CELL, GSNN_BIDIRECTIONAL = "model.gsnn.cell", "model.gsnn.bidirectional"
CELL_LABELS = {"cnn": "CNN", "lstm": "LSTM", "gru": "GRU", "rnn": "RNN", "mlp": "MLP"}


def gsnn_method(preset_method: str, cell: object, bidirectional: object) -> str:
    """Table G's method of a gsnn trial: its preset's (``GSNN CNN``) unless the trial overrode the
    cell; a bidirectional RNN is the supplement's ``GSNN Bi-RNN`` (its LSTM rows are bidirectional).

    >>> gsnn_method("GSNN CNN", "gru", None), gsnn_method("GSNN CNN", "rnn", True), gsnn_method("GSNN LSTM", None, None)
    ('GSNN GRU', 'GSNN Bi-RNN', 'GSNN LSTM')
    """
    if not isinstance(cell, str):
        return preset_method
    prefix = "Bi-" if cell == "rnn" and bidirectional is True else ""
    return f"GSNN {prefix}{CELL_LABELS.get(cell, cell.upper())}"


def neuron_label(leak: float) -> str:
    """``IF`` for leak 1, else ``LIF λ = <leak>`` (the papers' wording)."""
    return "IF" if float(leak) == 1.0 else f"LIF λ = {float(leak):g}"


def label_trials(trials: pd.DataFrame, table: str) -> pd.DataFrame:
    """The trials that fill a row of paper table ``table`` ("A", "B", "C", "D" or "M"), with the row's
    ``dataset``, ``method``, ``architecture``, ``size`` and the trial's ``T`` and ``neuron`` added.

    Raises :class:`StudyError` naming the presets the table needs when no trial matches.
    """
    mapping = load_paper_numbers("preset_rows").query("table == @table").drop(columns="table")
    if PRESET not in trials:
        raise StudyError(f"table {table} needs the trials' model.preset, but no trial config has it")
    frame = trials.copy()
    for column, default in DEFAULTS.items():
        frame[column] = frame[column].fillna(default) if column in frame else default
    labelled = frame.merge(mapping, left_on=[PRESET, GRADIENT], right_on=["preset", "gradient"])
    if labelled.empty or TIME_STEPS not in labelled:
        needed = ", ".join(f"{p} ({g})" for p, g in mapping[["preset", "gradient"]].itertuples(index=False))
        present = ", ".join(sorted({f"{p} ({g})" for p, g in frame[[PRESET, GRADIENT]].itertuples(index=False)}))
        raise StudyError(f"table {table} has no data: it needs trials of {needed}; "
                         f"this study has {present or 'no presets'}")
    if table == "G" and GSNN_CELL in labelled:
        bidirectional = labelled[GSNN_BIDIRECTIONAL] if GSNN_BIDIRECTIONAL in labelled else [None] * len(labelled)
        labelled["method"] = [gsnn_method(m, c, b) for m, c, b in zip(labelled["method"], labelled[GSNN_CELL], bidirectional)]
    labelled["T"] = labelled[TIME_STEPS].astype(int)
    labelled["neuron"] = labelled[LEAK].map(neuron_label)
    return labelled.drop(columns=["preset", "gradient"])


def completed_runs(labelled: pd.DataFrame, table: str) -> tuple[pd.DataFrame, str | None]:
    """The trials that ran all their epochs, and a note on those left out (running, stopped early);
    raises :class:`StudyError` when none has completed."""
    if "status" not in labelled:
        return labelled, None
    done = labelled[labelled["status"] == "completed"]
    left_out = labelled["status"][labelled["status"] != "completed"].value_counts()
    if done.empty:
        raise StudyError(f"table {table} has no data yet: none of its {len(labelled)} trials has completed "
                         f"({', '.join(f'{n} {s}' for s, n in left_out.items())})")
    note = None if left_out.empty else ("Left out, not completed: " +
                                        ", ".join(f"{n} {s}" for s, n in left_out.items()) + " trial(s).")
    return done, note
