"""Table E: the best configurations of a sweep with the hyperparameters that vary across it.

Trials are ranked by the study's metric and mode (``mpis_study.json``; default: best test accuracy,
max) with :func:`analysis.trial_ranking.rank_trials` (ties: the lower trial_id), so rank 1 is the
study's best trial. Config columns are the dotted names (and ``seed``, ``variant``); only those that
vary are shown. A result column that is the same in every shown row (status, device, memory kind)
becomes a note instead. LaTeX headers are short (``lr``, ``T``, ``best acc %``), listed in a note.
"""

from __future__ import annotations

import pandas as pd

from analysis.load_results import config_columns
from analysis.study_error import StudyError
from analysis.tables.paper_table import PaperTable, hardware_note, outcome_note
from analysis.trial_ranking import rank_trials
from mpis import metric_names as m

RESULT_COLUMNS = (m.BEST_TEST_ACCURACY, m.TEST_ACCURACY, m.EPOCH_TIME_S, m.PEAK_MEMORY_MB,
                  m.FIRING_RATE_TOTAL, "epochs_reported", "status", m.DEVICE, m.MEMORY_KIND)
CONSTANT_AS_NOTE = ("status", m.DEVICE, m.MEMORY_KIND)  # shown once in a note when equal in every row
DEFAULT_TOP = 10
SHORT_NAMES = {"trial_id": "trial", m.BEST_TEST_ACCURACY: "best acc %", m.TEST_ACCURACY: "final acc %",
               m.EPOCH_TIME_S: "s/epoch", m.PEAK_MEMORY_MB: "peak MB", m.FIRING_RATE_TOTAL: "rate",
               "epochs_reported": "epochs", "model.preset": "preset", "model.gradient": "gradient",
               "model.simulation.time_steps": "T", "train.learning_rate": "lr", "model.neuron.v_threshold": "V_th",
               "model.neuron.leak": "leak", "model.simulation.forward_tol": "fwd tol",
               "model.backward.name": "backward", "model.backward.max_iter": "bwd iters",
               "model.backward.tol": "bwd tol", "model.streams": "streams", "model.depth": "depth"}


def varying_config_columns(trials: pd.DataFrame) -> list[str]:
    """Config columns that take more than one value across ``trials``."""
    return [c for c in config_columns(trials) if trials[c].astype(str).nunique(dropna=False) > 1]


def _is_integral(column: pd.Series) -> bool:
    """Numeric with only whole values (an int config column that NaN turned into floats)."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    return pd.api.types.is_numeric_dtype(column) and len(values) > 0 and bool((values % 1 == 0).all())


def short_names(columns: list[str]) -> dict[str, str]:
    """A short header per column: :data:`SHORT_NAMES`, else the last dotted part (the last two when
    two columns would share it)."""
    last = [SHORT_NAMES.get(c, c.rsplit(".", 1)[-1]) for c in columns]
    return {c: (short if last.count(short) == 1 else ".".join(c.split(".")[-2:])) for c, short in zip(columns, last)}


def build_best_config_table(trials: pd.DataFrame, study_info: dict, all_trials: pd.DataFrame | None = None, *,
                            top: int | None = None) -> PaperTable:
    """The ``top`` (default 10) usable trials by the study metric, with their varying hyperparameters."""
    metric = study_info.get("metric") or m.BEST_TEST_ACCURACY
    mode = study_info.get("mode") or "max"
    ranked = rank_trials(trials, metric, mode)
    if ranked.empty:
        raise StudyError(f"table E has no data: no trial reported the study metric {metric!r}")
    hyper = varying_config_columns(all_trials if all_trials is not None else trials)
    shown = ["rank", "trial_id", *hyper, *dict.fromkeys([metric, *RESULT_COLUMNS])]
    frame = ranked[[c for c in shown if c in ranked]].head(top or DEFAULT_TOP).reset_index(drop=True)
    constant = [c for c in CONSTANT_AS_NOTE if c in frame and frame[c].astype(str).nunique() == 1]
    notes = [f"Ranked by {metric} ({mode}) among {len(ranked)} usable trials, ties to the lower trial_id; "
             f"shown: the top {len(frame)} and the config values that vary across the study.",
             hardware_note(study_info, trials)]
    if constant:
        notes.append("Every shown trial: " + ", ".join(f"{c} {frame[c].iloc[0]}" for c in constant) + ".")
    if all_trials is not None:
        notes.append(outcome_note(all_trials))
    frame = frame.drop(columns=constant)
    formats = {m.PEAK_MEMORY_MB: ".0f", m.FIRING_RATE_TOTAL: ".3g"}
    formats.update({c: ".0f" for c in hyper if c in frame and _is_integral(frame[c])})  # depth 2, not 2.00
    return PaperTable(f"Table E: best configurations of {study_info.get('study', 'the study')}",
                      frame, tuple(notes), formats, short_names=short_names(list(frame.columns)))
