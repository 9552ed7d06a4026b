"""Which models the convergence figure traces: by default the best trial of each equilibrium family
(MPIS: "MulRes n" curves, IDE: "SingleRes") with the weights of its latest checkpoint (untrained
when the study kept none), the trained checkpoints the user names, or presets the user names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.convergence import (ConvergenceTraces, convergence_traces, latest_checkpoint, load_trained_model,
                                  model_config_of_trial)
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
                 checkpoints: list[Path] | None = None, study_dir: Path | None = None,
                 time_steps: int = 100, batch_size: int = 4) -> list[ConvergenceTraces]:
    """Traces of ``checkpoints`` (trained models), of ``presets`` (their default configs, untrained),
    or of the best trial per family (its config, with its latest checkpoint in ``study_dir`` when
    Ray Tune kept one)."""
    if checkpoints:
        traces = []
        for path in checkpoints:
            config, model = load_trained_model(path)
            traces.append(convergence_traces(config, time_steps=time_steps, batch_size=batch_size, model=model,
                                             label=f"{config.preset} trained ({Path(path).name})"))
        return traces
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
    return [_trace_trial(row, study_dir, time_steps, batch_size) for row in rows]


def _trace_trial(row: pd.Series, study_dir: Path | None, time_steps: int, batch_size: int) -> ConvergenceTraces:
    checkpoint = latest_checkpoint(study_dir / row["trial_name"]) if study_dir is not None and \
        "trial_name" in row else None
    name = f"best {row['model.preset']} trial {row['trial_id']}"
    if checkpoint is None:
        return convergence_traces(model_config_of_trial(row), time_steps=time_steps, batch_size=batch_size,
                                  label=f"{name}, untrained (no checkpoint kept)")
    config, model = load_trained_model(checkpoint)
    return convergence_traces(config, time_steps=time_steps, batch_size=batch_size, model=model,
                              label=f"{name}, trained ({checkpoint.name})")
