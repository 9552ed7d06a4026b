"""Which models the convergence figure traces, and on which inputs.

By default: the best implicit-gradient trial of each equilibrium family (MPIS: "MulRes n" curves,
IDE: "SingleRes"; best by :func:`analysis.trial_ranking.rank_trials`), with the weights of its
latest checkpoint (``untrained=True``, or a study that kept none: freshly initialised weights), on
real test samples of its dataset when they are on disk (else seeded random inputs;
:mod:`analysis.traced_inputs`). Or the trained checkpoints the user names (on their own dataset's
test samples), or presets the user names (untrained, random inputs: a preset names no dataset).
Every label says which weights and which inputs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.convergence import (
    ConvergenceTraces,
    convergence_traces,
    latest_checkpoint,
    load_trained_experiment,
    model_config_of_trial,
)
from analysis.study_error import StudyError
from analysis.traced_inputs import (
    TracedInputs,
    random_inputs,
    real_or_random_inputs,
    trial_data_config,
)
from analysis.trial_ranking import DEFAULT_GRADIENT, method_labels, rank_trials
from mpis import metric_names as m
from mpis.config import ModelConfig
from mpis.models import PRESETS

EQUILIBRIUM_FAMILIES = ("mpis", "ide")


def best_trial_per_family(trials: pd.DataFrame, metric: str = m.BEST_TEST_ACCURACY,
                          mode: str = "max") -> list[pd.Series]:
    """The best usable implicit-gradient trial (by ``metric``) of each family in
    :data:`EQUILIBRIUM_FAMILIES` (a BPTT run of an IDE preset is a baseline, not an equilibrium model)."""
    if "model.preset" not in trials:
        return []
    ranked = rank_trials(trials.assign(_method=method_labels(trials)), metric, mode)
    best = [ranked[ranked["_method"] == f"{family.upper()} {DEFAULT_GRADIENT}"] for family in EQUILIBRIUM_FAMILIES]
    return [rows.iloc[0].drop(["_method", "rank"]) for rows in best if not rows.empty]


def check_trace_requests(presets: list[str] | None, checkpoints: list[Path] | None) -> None:
    """StudyError for an unknown preset or a folder without a checkpoint (before anything is traced)."""
    unknown = [p for p in presets or [] if p not in PRESETS]
    if unknown:
        raise StudyError(f"unknown preset(s) {', '.join(unknown)}; available: {', '.join(PRESETS)}")
    for path in checkpoints or []:
        if not (Path(path) / "checkpoint.pt").is_file():
            raise StudyError(f"--convergence-checkpoints={path} is invalid; allowed: a trial's checkpoint_NNNNNN "
                             "or epoch_NNNN folder (it holds no checkpoint.pt)")


def trace_models(trials: pd.DataFrame, study_info: dict, *, presets: list[str] | None = None,
                 checkpoints: list[Path] | None = None, study_dir: Path | None = None, time_steps: int = 100,
                 batch_size: int = 4, untrained: bool = False) -> list[ConvergenceTraces]:
    """Traces of ``checkpoints`` (trained models), of ``presets`` (their default configs, untrained),
    or of the best trial per family (see the module docstring)."""
    check_trace_requests(presets, checkpoints)
    if checkpoints:
        traces = []
        for path in checkpoints:
            config, model = load_trained_experiment(path)
            inputs = real_or_random_inputs(config.model.preset, config.data, time_steps=time_steps,
                                           batch_size=batch_size)
            traces.append(_trace(config.model, inputs, time_steps, model,
                                 f"{config.model.preset} trained ({Path(path).name})"))
        return traces
    if presets:
        return [_trace(ModelConfig(preset=p), random_inputs(p, time_steps, batch_size, 0, "a preset names no dataset"),
                       time_steps, None, f"{p} untrained") for p in presets]
    rows = best_trial_per_family(trials, study_info.get("metric") or m.BEST_TEST_ACCURACY,
                                 study_info.get("mode") or "max")
    if not rows:
        raise StudyError("the convergence figure needs an implicit-gradient trial of an MPIS or IDE preset; "
                         "the study has none")
    return [_trace_trial(row, study_info, study_dir, time_steps, batch_size, untrained) for row in rows]


def _trace(config: ModelConfig, inputs: TracedInputs, time_steps: int, model, label: str) -> ConvergenceTraces:
    return convergence_traces(config, inputs.batch, time_steps=time_steps, model=model, label=label,
                              inputs_source=inputs.source)


def _trace_trial(row: pd.Series, study_info: dict, study_dir: Path | None, time_steps: int, batch_size: int,
                 untrained: bool) -> ConvergenceTraces:
    checkpoint = latest_checkpoint(study_dir / row["trial_name"]) if study_dir is not None and \
        "trial_name" in row else None
    name = f"best {row['model.preset']} trial {row['trial_id']}"
    inputs = real_or_random_inputs(row["model.preset"], trial_data_config(row, study_info), time_steps=time_steps,
                                   batch_size=batch_size)
    if untrained or checkpoint is None:
        why = "--convergence-untrained" if untrained else "no checkpoint kept"
        return _trace(model_config_of_trial(row), inputs, time_steps, None, f"{name}, untrained ({why})")
    experiment, model = load_trained_experiment(checkpoint)
    return _trace(experiment.model, inputs, time_steps, model, f"{name}, trained ({checkpoint.name})")
