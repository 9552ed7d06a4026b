r"""Per-step convergence of a model's forward simulation (the MPIS paper's convergence figure).

For stream ``i`` the curve is the fixed-point residual of its running rate after step k,
:math:`r_i[k] = \lVert f(a[k])_i - a_i[k] \rVert / \lVert a_i[k] \rVert`, k = 0..T-1, with f the
map the simulation runs (:func:`mpis.models.mpis_convergence.convergence_curves`); the MPIS slides
call the curves "MulRes n" for the streams of a multi-stream model and "SingleRes" for one stream.
The step change ``||a[k] - a[k-1]|| / ||a[k]||`` is kept beside them (it falls like 1/k whatever
the model). The trainer reports only per-epoch summaries, so traces are computed here, from a model
(freshly initialised, or trained: :func:`load_trained_model` reads a trial's checkpoint with
``torch.load(weights_only=True)``) and a batch.

Example::

    traces = convergence_traces(ModelConfig(preset="mpis_digits"), time_steps=50)
    traces.curves["MulRes 1"][-1]  # fixed-point residual of stream 0 after the last step
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import torch
from torch import Tensor, nn

from analysis.study_error import StudyError
from mpis.config import ExperimentConfig, ModelConfig
from mpis.config_io import config_from_dict
from mpis.models import PRESETS, build_model
from mpis.models.mpis_convergence import convergence_curve_names, convergence_curves
from mpis.registries import check_names
from mpis.training.checkpoints import CHECKPOINT_FILE, load_checkpoint


class ConvergenceTraces(NamedTuple):
    label: str  # e.g. "mpis_fmnist (T=100, untrained)"
    curves: dict[str, list[float]]  # "SingleRes" or "MulRes 1".."MulRes M" -> r[0..T-1]
    joint: list[float]  # the fixed-point residual over all streams together
    step_change: dict[str, list[float]]  # the same names -> ||a[k]-a[k-1]|| / ||a[k]||, k = 1..T-1
    inputs: str = "seeded random inputs"  # what was simulated, e.g. "4 fashion_mnist test samples"


curve_names = convergence_curve_names  # "SingleRes" / "MulRes 1".."MulRes M", named in mpis


def random_batch(preset: str, time_steps: int, batch_size: int, seed: int = 0) -> Tensor:
    """A seeded stand-in batch: uniform pixels in [0, 1], or Bernoulli(0.2) event frames (B, T, C, H, W)."""
    spec = PRESETS[preset]
    generator = torch.Generator().manual_seed(seed)
    if spec.events:
        shape = (batch_size, time_steps, *spec.input_shape)
        return (torch.rand(shape, generator=generator) < 0.2).float()
    return torch.rand((batch_size, *spec.input_shape), generator=generator)


def traced_simulation(model_config: ModelConfig, time_steps: int):
    """The model's simulation config run for ``time_steps`` steps without early stop; StudyError for
    a step count mpis refuses (below 1, or above its limit)."""
    try:
        return dataclasses.replace(model_config.simulation, time_steps=time_steps, forward_tol=0.0)
    except (ValueError, TypeError) as error:
        raise StudyError(f"{time_steps!r} simulation steps cannot be traced: {error}") from None


def convergence_traces(model_config: ModelConfig, inputs: Tensor | None = None, *, time_steps: int = 100,
                       batch_size: int = 4, seed: int = 0, model: nn.Module | None = None,
                       label: str | None = None, inputs_source: str | None = None) -> ConvergenceTraces:
    """Simulate ``time_steps`` steps (no early stop) in eval mode and return the traces.

    ``model`` is a trained model to probe (its weights are copied into a model built for
    ``time_steps``; ``model`` itself is left as it is); without one, a freshly initialised model is
    built with ``torch.manual_seed(seed)``. ``inputs`` defaults to :func:`random_batch`; pass a real
    test batch for the paper's figure (:func:`analysis.traced_inputs.real_or_random_inputs`) and say
    what it is in ``inputs_source``.
    """
    simulation = traced_simulation(model_config, time_steps)
    config = dataclasses.replace(model_config, simulation=simulation)
    torch.manual_seed(seed)
    traced = build_model(config)
    if model is not None:
        traced.load_state_dict(model.state_dict())
    if inputs is None:
        inputs, inputs_source = random_batch(config.preset, time_steps, batch_size, seed), "seeded random inputs"
    curves = convergence_curves(traced, inputs)
    default_label = f"{config.preset} (T={time_steps}, {'trained' if model is not None else 'untrained'})"
    return ConvergenceTraces(label or default_label, curves.residual, curves.joint_residual, curves.step_change,
                             inputs_source or f"{len(inputs)} given samples")


def load_trained_experiment(checkpoint_dir: str | Path) -> tuple[ExperimentConfig, nn.Module]:
    """The full config (model, data, training) and the model a trial saved in ``checkpoint_dir`` (a
    ``checkpoint.pt`` written by ``mpis.training.fit``), loaded with ``weights_only=True``: tensors
    and plain values only."""
    path = Path(checkpoint_dir)
    if not (path / CHECKPOINT_FILE).is_file():
        raise StudyError(f"{path} holds no {CHECKPOINT_FILE} (not a checkpoint written by mpis.training.fit)")
    saved = load_checkpoint(path)
    try:
        config = config_from_dict(saved["config"], base=ExperimentConfig())
        check_names(config.model)
        model = build_model(config.model)
        model.load_state_dict(saved["model"])
    except (KeyError, ValueError, RuntimeError) as error:
        raise StudyError(f"{path / CHECKPOINT_FILE} cannot be loaded into this version of mpis: {error}") from None
    return config, model


def load_trained_model(checkpoint_dir: str | Path) -> tuple[ModelConfig, nn.Module]:
    """The model config and model of :func:`load_trained_experiment`."""
    config, model = load_trained_experiment(checkpoint_dir)
    return config.model, model


def latest_checkpoint(trial_dir: str | Path) -> Path | None:
    """The newest ``checkpoint_*`` folder Ray Tune kept for a trial (None when it kept none)."""
    folders = sorted(p for p in Path(trial_dir).glob("checkpoint_*") if (p / CHECKPOINT_FILE).is_file())
    return folders[-1] if folders else None


def model_config_of_trial(trial: pd.Series) -> ModelConfig:
    """The ``ModelConfig`` of a trial row (its ``model.*`` config columns); StudyError if invalid.
    An empty cell of an optional field (JSON null, e.g. ``spectral_bound=None``) is None, not the
    field's default."""
    optional = _optional_fields(ModelConfig(), "model.")
    values = {key: _plain(value) if _is_set(value) else None for key, value in trial.items()
              if isinstance(key, str) and key.startswith("model.") and (_is_set(value) or key in optional)}
    try:
        config = config_from_dict(values, base=ExperimentConfig()).model
        check_names(config)  # the preset, solver and surrogate names against mpis's registries
        return config
    except (ValueError, TypeError) as error:
        raise StudyError(f"trial {trial.get('trial_id', '?')} has a model config this version of mpis "
                         f"cannot build: {error}") from None


def _optional_fields(config, prefix: str) -> set[str]:
    """Dotted names of the fields of ``config`` (recursively) whose declared type admits None."""
    names = set()
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            names |= _optional_fields(value, f"{prefix}{field.name}.")
        elif "None" in str(field.type):
            names.add(prefix + field.name)
    return names


def _is_set(value) -> bool:
    return isinstance(value, (tuple, list)) or not pd.isna(value)


def _plain(value):
    """numpy scalars to Python numbers (config_from_dict keeps ints ints)."""
    return value.item() if hasattr(value, "item") else value
