"""Build tables A, B, C, G and M: label our trials with their paper rows, keep the completed ones,
aggregate over seeds, and put the paper's value, ours and the difference side by side."""

from __future__ import annotations

import pandas as pd

from analysis.paper_numbers import load_paper_numbers, parse_count
from analysis.paper_rows import completed_runs, label_trials
from analysis.tables.comparison import compare_with_paper
from analysis.tables.comparison_specs import ACCURACY_OURS, COMPARISON_SPECS, TIME_OURS
from analysis.tables.paper_table import (
    PaperTable,
    hardware_note,
    memory_note,
    outcome_note,
)
from analysis.tables.seed_summary import summarise_over_seeds

FORMATS = {"Params (paper)": "count", "Params (ours)": "count", "Neurons (paper)": "count",
           "Neurons (ours)": "count", "Time/epoch s (paper)": ".0f", "Time/epoch s (ours)": ".1f",
           "Δ Time/epoch s": "+.1f", "Std (paper)": ".2f", "Std (ours)": ".2f"}


def build_comparison_table(name: str, trials: pd.DataFrame, study_info: dict,
                           all_trials: pd.DataFrame | None = None) -> PaperTable:
    """Table ``name`` ("A", "B", "C", "G" or "M") for the usable ``trials`` of a study."""
    spec = COMPARISON_SPECS[name]
    labelled, left_out = completed_runs(label_trials(trials, name), name)
    ours = summarise_over_seeds(labelled, spec.keys)
    paper = load_paper_numbers(spec.paper_numbers)
    for column in spec.count_columns:
        paper[f"{column}_count"] = paper[column].map(parse_count)
    frame = compare_with_paper(paper, ours, spec.keys, spec.values, context=spec.context)
    notes = [hardware_note(study_info, labelled), ACCURACY_OURS, TIME_OURS,
             "Δ = ours − paper; runs = our seeds; blank = not run (ours) or not given (paper)."]
    notes += [note for note in (memory_note(labelled), left_out) if note]
    if all_trials is not None:
        notes.append(outcome_note(all_trials))
    return PaperTable(spec.title, frame, tuple(notes), FORMATS)
