"""Which trial is best: the one ranking rule of every table, figure and study summary.

Trials are ordered by ``metric``, highest first for mode ``"max"`` and lowest first for ``"min"``;
a trial whose value is missing or not finite is not ranked. **Ties go to the lower ``trial_id``**
(string order; for Tune's grid ids ``<hash>_00000``, ``<hash>_00001``, ... that is the earlier
trial), so Table E's rank 1, the best trial of each method and the study's printed "Best trial"
are the same trial.

A *method* is a model family and a gradient mode: ``"MPIS implicit"``, ``"IDE implicit"``,
``"MPIS bptt"``, ``"CNN bptt"``, ``"GSNN bptt"``; the family is ``mpis.models.PRESETS[preset].family``.

>>> import pandas as pd
>>> trials = pd.DataFrame({"trial_id": ["b", "a", "c"], "acc": [90.0, 90.0, float("nan")]})
>>> rank_trials(trials, "acc")["trial_id"].tolist()
['a', 'b']
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.study_error import StudyError

MODES = ("max", "min")
PRESET = "model.preset"
GRADIENT = "model.gradient"
DEFAULT_GRADIENT = "implicit"  # ModelConfig's default, for configs that omit it
METHOD = "method"


def rank_trials(trials: pd.DataFrame, metric: str, mode: str = "max") -> pd.DataFrame:
    """The trials with a finite ``metric``, best first (ties: lower ``trial_id`` first), with a
    1-based ``rank`` column added; empty when none has a value. StudyError for a mode other than
    ``"max"`` or ``"min"``."""
    if mode not in MODES:
        raise StudyError(f"mode={mode!r} is invalid; allowed: {', '.join(MODES)}")
    if metric not in trials:
        return trials.iloc[0:0].assign(rank=pd.Series(dtype=int))
    values = pd.to_numeric(trials[metric], errors="coerce").astype(float)
    finite = values.map(math.isfinite)
    ranked = trials[finite].assign(_key=values[finite] if mode == "min" else -values[finite])
    ties = ranked["trial_id"].astype(str) if "trial_id" in ranked else pd.Series(range(len(ranked)), ranked.index)
    ranked = ranked.assign(_tie=ties).sort_values(["_key", "_tie"], kind="stable").drop(columns=["_key", "_tie"])
    return ranked.reset_index(drop=True).assign(rank=range(1, len(ranked) + 1))


def best_trial(trials: pd.DataFrame, metric: str, mode: str = "max") -> pd.Series:
    """The rank-1 trial of :func:`rank_trials`; StudyError when no trial has a finite ``metric``."""
    ranked = rank_trials(trials, metric, mode)
    if ranked.empty:
        raise StudyError(f"no trial reported a finite value of the study metric {metric!r}")
    return ranked.iloc[0].drop("rank")


def preset_family(preset) -> str | None:
    """``mpis.models.PRESETS[preset].family`` ("mpis", "ide", "cnn", "gsnn"); None for an unknown preset."""
    from mpis.models import PRESETS  # imports torch: only when a family is asked for

    return PRESETS[preset].family if isinstance(preset, str) and preset in PRESETS else None


def method_labels(trials: pd.DataFrame) -> pd.Series:
    """Per trial, its method: ``"<FAMILY> <gradient>"`` (the preset's name for an unknown preset)."""
    if PRESET not in trials:
        return pd.Series("unknown", index=trials.index, name=METHOD)
    gradients = trials[GRADIENT].fillna(DEFAULT_GRADIENT) if GRADIENT in trials else DEFAULT_GRADIENT
    families = trials[PRESET].map(lambda p: preset_family(p).upper() if preset_family(p) else str(p))
    return (families + " " + gradients).rename(METHOD)


def best_trial_per_method(trials: pd.DataFrame, metric: str, mode: str = "max") -> pd.DataFrame:
    """One row per method: its best trial by :func:`rank_trials` (with ``method``, ``rank`` among
    all trials, and ``method_trials``: how many of the method's trials were ranked), best method first."""
    ranked = rank_trials(trials.assign(**{METHOD: method_labels(trials)}), metric, mode)
    counts = ranked[METHOD].value_counts()
    best = ranked.drop_duplicates(subset=[METHOD], keep="first").reset_index(drop=True)
    best.insert(1, "method_trials", best[METHOD].map(counts).astype(int))
    return best[[METHOD, "method_trials", *[c for c in best.columns if c not in (METHOD, "method_trials")]]]
