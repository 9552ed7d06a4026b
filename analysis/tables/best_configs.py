"""Table E: the best configurations of a sweep with the hyperparameters that vary across it.

Trials are ranked by the study's metric and mode (``mpis_study.json``; default: best test accuracy,
max). Config columns are the dotted names (and ``seed``, ``variant``); only those that vary are shown.
"""

from __future__ import annotations

import pandas as pd

from analysis.load_results import config_columns
from analysis.study_error import StudyError
from analysis.tables.paper_table import PaperTable, hardware_note, outcome_note
from mpis import metric_names as m

RESULT_COLUMNS = (m.BEST_TEST_ACCURACY, m.TEST_ACCURACY, m.EPOCH_TIME_S, m.PEAK_MEMORY_MB,
                  m.FIRING_RATE_TOTAL, "epochs_reported", "status", m.DEVICE)


def varying_config_columns(trials: pd.DataFrame) -> list[str]:
    """Config columns that take more than one value across ``trials``."""
    return [c for c in config_columns(trials) if trials[c].astype(str).nunique(dropna=False) > 1]


def _is_integral(column: pd.Series) -> bool:
    """Numeric with only whole values (an int config column that NaN turned into floats)."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    return pd.api.types.is_numeric_dtype(column) and len(values) > 0 and bool((values % 1 == 0).all())


def build_best_config_table(trials: pd.DataFrame, study_info: dict,
                            all_trials: pd.DataFrame | None = None, *, top: int = 10) -> PaperTable:
    """The ``top`` usable trials by the study metric, with their varying hyperparameters."""
    metric = study_info.get("metric") or m.BEST_TEST_ACCURACY
    mode = study_info.get("mode") or "max"
    if metric not in trials or trials[metric].notna().sum() == 0:
        raise StudyError(f"table E has no data: no trial reported the study metric {metric!r}")
    ranked = trials.dropna(subset=[metric]).sort_values(metric, ascending=(mode == "min"), kind="stable")
    hyper = varying_config_columns(all_trials if all_trials is not None else trials)
    shown = ["trial_id", *hyper, *dict.fromkeys([metric, *RESULT_COLUMNS])]
    frame = ranked[[c for c in shown if c in ranked]].head(top).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    notes = [f"Ranked by {metric} ({mode}) among {len(ranked)} usable trials; shown: the config "
             "values that vary across the study.", hardware_note(study_info, trials)]
    if all_trials is not None:
        notes.append(outcome_note(all_trials))
    formats = {m.PEAK_MEMORY_MB: ".0f", m.FIRING_RATE_TOTAL: ".3g"}
    formats.update({c: ".0f" for c in hyper if c in frame and _is_integral(frame[c])})  # depth 2, not 2.00
    return PaperTable(f"Table E: best configurations of {study_info.get('study', 'the study')}",
                      frame, tuple(notes), formats)
