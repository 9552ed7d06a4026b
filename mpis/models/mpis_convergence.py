r"""Convergence diagnostics of the forward simulation: the paper's "SingleRes" / "MulRes n" curves.

For stream ``i`` the curve is the relative change of its last-layer rate from step to step,

.. math::
    r_i[k] = \frac{\lVert a_i[k] - a_i[k-1] \rVert}{\lVert a_i[k] \rVert}, \qquad k = 1, \dots, T-1,

recorded by the engine's simulation (``SimulationResult.stream_traces``). The MPIS slides plot it
per stream of a multi-stream model ("MulRes n", n = 1..M, the n-th implicit stream) against a
single-stream equilibrium SNN ("SingleRes"). A curve that falls towards 0 means the stream's rate
is settling at its equilibrium.

:func:`stream_residual_metrics` gives the trainer flat scalar metrics (the final value per stream,
``forward_residual_s<i>``, next to the joint ``forward_residual``).
"""

from __future__ import annotations

from mpis.metric_names import FORWARD_RESIDUAL_STREAM_PREFIX
from mpis.snn.simulation import SimulationResult


def convergence_curve_names(streams: int) -> list[str]:
    """``["SingleRes"]`` for one stream, else ``["MulRes 1", ..., "MulRes M"]``."""
    return ["SingleRes"] if streams == 1 else [f"MulRes {n}" for n in range(1, streams + 1)]


def convergence_curves(result: SimulationResult) -> dict[str, list[float]]:
    """Curve name -> ``[r[1], ..., r[steps-1]]`` (index ``k - 1`` holds step ``k``)."""
    names = convergence_curve_names(len(result.stream_traces))
    return {name: list(trace) for name, trace in zip(names, result.stream_traces)}


def stream_residual_metrics(result: SimulationResult) -> dict[str, float]:
    """``{"forward_residual_s<i>": r_i[last step]}``; NaN for a 1-step simulation (no change measured)."""
    return {f"{FORWARD_RESIDUAL_STREAM_PREFIX}{i}": trace[-1] if trace else float("nan")
            for i, trace in enumerate(result.stream_traces)}
