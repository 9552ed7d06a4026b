r"""Convergence of the forward simulation: the MPIS paper's "SingleRes" / "MulRes n" curves.

For stream ``i`` the curve is the fixed-point residual of its running rate after each step,

.. math::
    r_i[k] = \frac{\lVert f(a[k])_i - a_i[k] \rVert}{\lVert a_i[k] \rVert}, \qquad k = 0, \dots, T-1,

with f the map the simulation runs (eval mode: every BN on running statistics), measured by
:meth:`SpikingModel.fixed_point_residual_per_step`. The slides plot it per stream of a multi-stream
model ("MulRes n", n = 1..M, the n-th implicit stream) against a single-stream equilibrium SNN
("SingleRes"). A curve that falls towards 0 means the stream's rate is settling *at its fixed
point*; the step change ``||a[k] - a[k-1]|| / ||a[k]||`` (``SimulationResult.step_change``) falls
like 1/k by construction and is kept only as what it is.

:func:`step_change_metrics` gives the trainer the final step change per stream
(``rate_step_change_s<i>``).
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor

from mpis.metric_names import RATE_STEP_CHANGE_STREAM_PREFIX
from mpis.snn.simulation import SimulationResult


class ConvergenceCurves(NamedTuple):
    residual: dict[str, list[float]]  # curve name -> r_i[0..T-1], the fixed-point residual per step
    joint_residual: list[float]  # the same over all streams together
    step_change: dict[str, list[float]]  # curve name -> ||a_i[k]-a_i[k-1]|| / ||a_i[k]||, k = 1..T-1


def convergence_curve_names(streams: int) -> list[str]:
    """``["SingleRes"]`` for one stream, else ``["MulRes 1", ..., "MulRes M"]``."""
    return ["SingleRes"] if streams == 1 else [f"MulRes {n}" for n in range(1, streams + 1)]


def convergence_curves(model, inputs: Tensor) -> ConvergenceCurves:
    """Simulate ``model`` (its configured T, no early stop is forced) on ``inputs`` and return every
    stream's fixed-point residual per step, the joint one, and the step changes."""
    simulation, per_step = model.fixed_point_residual_per_step(inputs)
    names = convergence_curve_names(len(simulation.rates))
    residual = {name: [step[i + 1] for step in per_step] for i, name in enumerate(names)}
    step_change = dict(zip(names, simulation.stream_step_changes))
    return ConvergenceCurves(residual, [step[0] for step in per_step], step_change)


def step_change_metrics(result: SimulationResult) -> dict[str, float]:
    """``{"rate_step_change_s<i>": change of stream i at the last step}``; NaN after one step."""
    return {f"{RATE_STEP_CHANGE_STREAM_PREFIX}{i}": trace[-1] if trace else float("nan")
            for i, trace in enumerate(result.stream_step_changes)}
