"""The Pareto table: the non-dominated trials of a study over any two or more objectives.

``python -m analysis.tables STUDY_DIR --pareto accuracy,energy`` prints it. Objectives are named as
``--objectives`` of a study (:data:`analysis.pareto.OBJECTIVES`); a trial's values are those of the
trial summary (``analysis.trial_summary``: best accuracy over epochs, energy per test sample at the
last epoch, peak memory over epochs, mean simulation steps). Failed trials (errored, diverged) and
trials without a value of every objective are not candidates; the notes count them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.load_results import load_trials, successful_trials
from analysis.pareto import OBJECTIVES, non_dominated, objective_columns
from analysis.study_files import read_study_info
from analysis.tables.paper_table import PaperTable

PRESET, GRADIENT = "model.preset", "model.gradient"


def pareto_candidates(study_dir: str | Path, names: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(all trials, usable trials with every objective)`` of the study in ``study_dir``."""
    all_trials = load_trials(study_dir)
    usable = successful_trials(all_trials, study_dir)
    columns = list(objective_columns(names))
    for column in columns:
        if column not in usable:
            usable[column] = float("nan")
    return all_trials, usable.dropna(subset=columns)


def build_pareto_table(study_dir: str | Path, names: tuple[str, ...]) -> PaperTable:
    """The non-dominated trials over ``names`` (objective names), best first by the first objective."""
    all_trials, candidates = pareto_candidates(study_dir, names)
    objectives = objective_columns(names)
    front = non_dominated(candidates, objectives)
    shown = [column for column in ("trial_name", PRESET, GRADIENT) if column in front]
    frame = front[shown + list(objectives)].reset_index(drop=True)
    frame = frame.rename(columns={OBJECTIVES[name][0]: f"{name} ({OBJECTIVES[name][0]}, {OBJECTIVES[name][1]})"
                                  for name in names})
    failed = all_trials["status"].value_counts().drop(["completed", "stopped"], errors="ignore")
    notes = [f"Non-dominated over {', '.join(names)}: no other trial is at least as good on every objective "
             "and better on one.",
             f"{len(front)} of {len(candidates)} candidate trials on the front; "
             f"{len(all_trials) - len(candidates)} not candidates"
             + (f" ({', '.join(f'{n} {status}' for status, n in failed.items())} among them)" if len(failed) else "")
             + " (failed, or missing an objective)."]
    info = read_study_info(study_dir)
    label = f"tab:pareto-{info.get('name') or info.get('study') or 'study'}"
    return PaperTable(f"Pareto front over {', '.join(names)}", frame, tuple(notes),
                      {column: ".4g" for column in frame.columns if "(" in column}, label=label)
