r"""Per-step convergence traces of a model's forward simulation (the MPIS paper's convergence figure).

For stream ``i`` the trace is :math:`r_i[k] = \lVert a_i[k]-a_i[k-1] \rVert / \lVert a_i[k] \rVert`,
k = 1..T-1, recorded by the engine (``SimulationResult.stream_traces``); the MPIS slides call the
curves "MulRes n" for the streams of a multi-stream model and "SingleRes" for one stream. The
trainer reports only per-epoch summaries, so traces are computed here, from a model and a batch.

>>> traces = convergence_traces(ModelConfig(preset="mpis_digits"), time_steps=50)  # doctest: +SKIP
>>> traces.curves["MulRes 1"][-1]  # relative change at the last step          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import pandas as pd
import torch
from torch import Tensor, nn

from analysis.study_error import StudyError
from mpis.config import ExperimentConfig, ModelConfig
from mpis.config_io import config_from_dict
from mpis.models import PRESETS, build_model
from mpis.models.mpis_convergence import convergence_curve_names, convergence_curves


class ConvergenceTraces(NamedTuple):
    label: str  # e.g. "mpis_fmnist (T=100, untrained)"
    curves: dict[str, list[float]]  # "SingleRes" or "MulRes 1".."MulRes M" -> r[1..T-1]
    joint: list[float]  # the same over all streams together


curve_names = convergence_curve_names  # "SingleRes" / "MulRes 1".."MulRes M", named in mpis


def random_batch(preset: str, time_steps: int, batch_size: int, seed: int = 0) -> Tensor:
    """A seeded stand-in batch: uniform pixels in [0, 1], or Bernoulli(0.2) event frames (B, T, C, H, W)."""
    spec = PRESETS[preset]
    generator = torch.Generator().manual_seed(seed)
    if spec.events:
        shape = (batch_size, time_steps, *spec.input_shape)
        return (torch.rand(shape, generator=generator) < 0.2).float()
    return torch.rand((batch_size, *spec.input_shape), generator=generator)


def convergence_traces(model_config: ModelConfig, inputs: Tensor | None = None, *, time_steps: int = 100,
                       batch_size: int = 4, seed: int = 0, model: nn.Module | None = None,
                       label: str | None = None) -> ConvergenceTraces:
    """Simulate ``time_steps`` steps (no early stop) in eval mode under no-grad and return the traces.

    ``model`` is a trained model to probe (its config must match ``model_config``); without one, a
    freshly initialised model is built with ``torch.manual_seed(seed)``. ``inputs`` defaults to
    :func:`random_batch`; pass a real test batch for the paper's figure.
    """
    simulation = dataclasses.replace(model_config.simulation, time_steps=time_steps, forward_tol=0.0)
    config = dataclasses.replace(model_config, simulation=simulation)
    trained = model is not None
    if model is None:
        torch.manual_seed(seed)
        model = build_model(config)
    else:
        model.config = config  # the simulation reads T from the model's config
    if inputs is None:
        inputs = random_batch(config.preset, time_steps, batch_size, seed)
    model.eval()
    with torch.no_grad():
        result = model(inputs).simulation
    default_label = f"{config.preset} (T={time_steps}, {'trained' if trained else 'untrained'})"
    return ConvergenceTraces(label or default_label, convergence_curves(result), list(result.trace))


def model_config_of_trial(trial: pd.Series) -> ModelConfig:
    """The ``ModelConfig`` of a trial row (its ``model.*`` config columns); StudyError if invalid."""
    values = {key: _plain(value) for key, value in trial.items()
              if isinstance(key, str) and key.startswith("model.") and _is_set(value)}
    try:
        return config_from_dict(values, base=ExperimentConfig()).model
    except (ValueError, TypeError) as error:
        raise StudyError(f"trial {trial.get('trial_id', '?')} has a model config this version of mpis "
                         f"cannot build: {error}") from None


def _is_set(value) -> bool:
    return isinstance(value, (tuple, list)) or not pd.isna(value)


def _plain(value):
    """numpy scalars to Python numbers (config_from_dict keeps ints ints)."""
    return value.item() if hasattr(value, "item") else value
