"""Which models the convergence figure traces: by default the best trial of each equilibrium family
(MPIS: "MulRes n" curves, IDE: "SingleRes"), or presets the user names."""

from __future__ import annotations

import pandas as pd

from analysis.convergence import ConvergenceTraces, convergence_traces, model_config_of_trial
from analysis.study_error import StudyError
from mpis import metric_names as m
from mpis.config import ModelConfig
from mpis.models import PRESETS

EQUILIBRIUM_FAMILIES = ("mpis", "ide")


def best_trial_per_family(trials: pd.DataFrame, metric: str = m.BEST_TEST_ACCURACY,
                          mode: str = "max") -> list[pd.Series]:
    """The best usable implicit-gradient trial (by ``metric``) of each family in
    :data:`EQUILIBRIUM_FAMILIES` (a BPTT run of an IDE preset is a baseline, not an equilibrium model)."""
    if "model.preset" not in trials or metric not in trials:
        return []
    if "model.gradient" in trials:
        trials = trials[trials["model.gradient"].fillna("implicit") == "implicit"]
    family = trials["model.preset"].map(lambda p: PRESETS[p].family if p in PRESETS else None)
    ranked = trials.assign(_family=family).dropna(subset=[metric])
    ranked = ranked.sort_values(metric, ascending=(mode == "min"), kind="stable")
    best = [ranked[ranked["_family"] == name].iloc[0] for name in EQUILIBRIUM_FAMILIES
            if (ranked["_family"] == name).any()]
    return [row.drop("_family") for row in best]


def trace_models(trials: pd.DataFrame, study_info: dict, *, presets: list[str] | None = None,
                 time_steps: int = 100, batch_size: int = 4) -> list[ConvergenceTraces]:
    """Traces of ``presets`` (their default configs) or of the best trial per family (its config,
    freshly initialised weights: the study keeps no weights that analysis may load)."""
    if presets:
        unknown = [p for p in presets if p not in PRESETS]
        if unknown:
            raise StudyError(f"unknown preset(s) {', '.join(unknown)}; available: {', '.join(PRESETS)}")
        return [convergence_traces(ModelConfig(preset=p), time_steps=time_steps, batch_size=batch_size)
                for p in presets]
    rows = best_trial_per_family(trials, study_info.get("metric") or m.BEST_TEST_ACCURACY,
                                 study_info.get("mode") or "max")
    if not rows:
        raise StudyError("the convergence figure needs a trial of an MPIS or IDE preset; the study has none")
    return [convergence_traces(model_config_of_trial(row), time_steps=time_steps, batch_size=batch_size,
                               label=f"best {row['model.preset']} trial {row['trial_id']}, untrained")
            for row in rows]
