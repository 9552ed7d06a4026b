"""How a sweep's metric depends on each hyperparameter that varies in it.

Example::

    metric_by_hyperparameter(trials).head()
   hyperparameter       value  trials   mean    max
0  model.preset   mpis_digits       4  71.2   80.5
"""

from __future__ import annotations

import pandas as pd

from analysis.study_error import StudyError
from analysis.tables.best_configs import varying_config_columns
from analysis.trial_ranking import rank_trials
from mpis import metric_names as m

MAX_DISTINCT_VALUES = 8  # a numeric hyperparameter with more values is binned into quartiles


def metric_by_hyperparameter(trials: pd.DataFrame, metric: str = m.BEST_TEST_ACCURACY) -> pd.DataFrame:
    """For each varying hyperparameter and each of its values (or quartile bins), the number of
    trials and the mean and max of ``metric``; long format, one row per (hyperparameter, value)."""
    if metric not in trials or trials[metric].notna().sum() == 0:
        raise StudyError(f"no trial reported {metric!r}")
    scored = trials.dropna(subset=[metric])
    rows = []
    for column in varying_config_columns(scored):
        values = scored[column]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > MAX_DISTINCT_VALUES:
            values = pd.qcut(values, 4, duplicates="drop").astype(str)
        else:
            values = values.astype(str)
        summary = scored[metric].groupby(values).agg(trials="count", mean="mean", max="max")
        rows.append(summary.reset_index(names="value").assign(hyperparameter=column))
    if not rows:
        raise StudyError("no hyperparameter varies across the trials of this study")
    frame = pd.concat(rows, ignore_index=True)
    return frame[["hyperparameter", "value", "trials", "mean", "max"]]


def trial_overview(trials: pd.DataFrame, metric: str = m.BEST_TEST_ACCURACY, mode: str = "max") -> pd.DataFrame:
    """One line per trial, best first by :func:`analysis.trial_ranking.rank_trials` (ties: lower
    trial_id; trials without a value last): id, status, the varying hyperparameters, key results."""
    results = [c for c in (metric, m.TEST_ACCURACY, m.EPOCH_TIME_S, m.PEAK_MEMORY_MB, m.FIRING_RATE_TOTAL,
                           "epochs_reported", m.DEVICE) if c in trials]
    columns = ["trial_id", "status", *varying_config_columns(trials), *dict.fromkeys(results)]
    ranked = rank_trials(trials, metric, mode)
    unranked = trials[~trials["trial_id"].isin(ranked["trial_id"])] if "trial_id" in trials else trials.iloc[0:0]
    ordered = pd.concat([ranked, unranked], ignore_index=True) if not ranked.empty else trials
    return ordered[columns].reset_index(drop=True)


def failure_overview(trials: pd.DataFrame) -> pd.DataFrame:
    """The errored and diverged trials with what went wrong (error line, or what diverged and when);
    a trial that failed once and finished after a retry is not one of them (``failures`` counts it)."""
    columns = [c for c in ("trial_id", "status", "error", "diverged_what", "diverged_epoch", "diverged_value",
                           "epochs_reported", "attempts", "failures") if c in trials]
    return trials[trials["status"].isin(["error", "diverged"])][columns].reset_index(drop=True)


def solver_statistics(trials: pd.DataFrame) -> pd.DataFrame:
    """The equilibrium's health per trial at the end of training: forward steps, fixed-point
    residual (mean and max), spectral radius of J, and the backward solver's steps, residual and
    fallbacks (ALGORITHMS.md §4, §6; EQUILIBRIUM.md §2)."""
    columns = [m.FORWARD_STEPS, m.FIXED_POINT_RESIDUAL, m.FIXED_POINT_RESIDUAL_MAX, m.SPECTRAL_RADIUS,
               m.RATE_STEP_CHANGE, m.BACKWARD_STEPS, m.BACKWARD_RESIDUAL, m.BACKWARD_FALLBACKS]
    present = [c for c in columns if c in trials]
    if not present:
        raise StudyError("no trial reported forward or backward solver statistics")
    solver = [c for c in ("model.preset", "model.backward.name", "model.backward.max_iter",
                          "model.simulation.time_steps") if c in trials]
    return trials[["trial_id", *solver, *present]].reset_index(drop=True)
