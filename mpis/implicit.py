r"""Implicit differentiation at an equilibrium (ALGORITHMS.md §4).

At a fixed point :math:`a^* = f_\theta(a^*, x)` the implicit function theorem gives

.. math::
    \frac{dL}{d\theta} = \beta^\top \frac{\partial f_\theta(a^*, x)}{\partial \theta}, \qquad
    (I - J^\top)\,\beta = \Big(\frac{\partial L}{\partial a^*}\Big)^\top, \qquad J = \frac{\partial f}{\partial a}\Big|_{a^*}.

:func:`attach_implicit_gradient` wires this into autograd: the **value** is the equilibrium point
(the simulated rates), the **gradient** flows through one evaluation ``z_f = f(point)`` made with
grad, after the incoming ``dL/da`` has been replaced by ``beta``. The adjoint solve needs only
vector-Jacobian products ``J^T b`` of a *probe* ``f(z)`` built on a fresh leaf ``z``; they are taken
with ``torch.autograd.grad`` with respect to that leaf alone, so no solver step ever touches a
parameter's ``.grad`` and no frozen copy of the network is needed. The probe is built lazily, so the
Jacobian-free ``one_step`` solver never evaluates it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from mpis.solvers import BoundSolver

Probe = Callable[[Tensor], Tensor]  # z (B, D) -> f(z) (B, D), differentiable in z


@dataclass
class BackwardRecord:
    """Filled in when backward runs: the adjoint solver's cost and accuracy (for training metrics)."""

    solver: str
    steps: int = 0  # VJPs spent, those of a failed solve included
    relative_residual: float = math.nan  # of the applied beta; nan for the one-step beta = dL/da
    residual_trace: list[float] = field(default_factory=list)
    calls: int = 0
    fallback: str | None = None  # "anderson" or "one_step" when the configured solver failed
    failed_residual: float = math.nan  # the failed solve's best residual (never applied)

    @property
    def solver_residual(self) -> float:
        """The configured solver's own final residual, whether or not its beta was applied."""
        return self.relative_residual if self.fallback is None else self.failed_residual


class ProbeVJP:
    """``b -> J^T b`` at ``point``, building the probe graph on first use only."""

    def __init__(self, probe: Probe, point: Tensor):
        self.probe, self.point, self.graph = probe, point, None

    def __call__(self, b: Tensor) -> Tensor:
        if self.graph is None:
            with torch.enable_grad():
                z = self.point.detach().requires_grad_()
                self.graph = (z, self.probe(z))
        z, fz = self.graph
        return torch.autograd.grad(fz, z, b, retain_graph=True)[0]


class _ImplicitGradient(torch.autograd.Function):
    """Forward: return ``point``. Backward: hand ``beta`` (not dL/da) to ``z_f``."""

    @staticmethod
    def forward(ctx, z_f: Tensor, point: Tensor, probe: Probe, solve: BoundSolver, record: BackwardRecord):
        ctx.probe, ctx.solve, ctx.record = probe, solve, record
        ctx.save_for_backward(point)
        return point.clone()

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        (point,) = ctx.saved_tensors
        result = ctx.solve(ProbeVJP(ctx.probe, point), grad_out)
        record = ctx.record
        record.steps, record.relative_residual = result.steps, result.relative_residual
        record.residual_trace, record.calls = result.residual_trace, record.calls + 1
        record.fallback, record.failed_residual = result.fallback, result.failed_residual
        return result.solution, None, None, None, None


def attach_implicit_gradient(z_f: Tensor, point: Tensor, probe: Probe, solve: BoundSolver,
                             solver_name: str) -> tuple[Tensor, BackwardRecord]:
    """Return ``(out, record)``: ``out`` equals ``point``; ``d out`` reaches ``z_f`` as ``beta``.

    Args:
        z_f: ``f(point)`` evaluated with grad, shape (B, D): carries the parameter gradients.
        point: the equilibrium estimate, detached, shape (B, D).
        probe: ``z -> f(z)`` for the Jacobian (hidden BNs on running statistics, same dropout masks).
        solve: a bound backward solver (see :func:`mpis.solvers.bind_backward_solver`).
        solver_name: recorded in the returned :class:`BackwardRecord`.
    """
    record = BackwardRecord(solver=solver_name)
    out = _ImplicitGradient.apply(z_f, point.detach(), probe, solve, record)
    return out, record
