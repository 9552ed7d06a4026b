r"""Damped fixed-point iteration on the adjoint equation.

.. math:: \beta \leftarrow \beta + \eta\, g(\beta), \qquad g(\beta) = J^\top\beta - \beta + \partial L/\partial a

i.e. :math:`\beta \leftarrow (1-\eta)\beta + \eta (J^\top\beta + \partial L/\partial a)`, whose fixed
point is :math:`(I - J^\top)^{-1}\partial L/\partial a` for any :math:`\eta \in (0, 1]` when
:math:`\rho(J) < 1`. (The released IDE "iter" variant, :math:`\beta \leftarrow \frac12 (J^\top\beta +
\partial L/\partial a)`, converges to :math:`(2I - J^\top)^{-1}\partial L/\partial a` instead.)
"""

from __future__ import annotations

import torch
from torch import Tensor

from mpis.solvers.solver_result import (
    VJP,
    RelativeNorm,
    SolverResult,
    adjoint_residual,
    stop_at,
)


def solve_by_fixed_point(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float,
                         damping: float = 1.0) -> SolverResult:
    """Start from beta = 0 (so g = rhs) and take up to ``max_iter`` damped steps."""
    beta, residual = torch.zeros_like(rhs), rhs
    relative = RelativeNorm(rhs)
    trace: list[float] = []
    for _ in range(max_iter):
        beta = beta + damping * residual
        residual = adjoint_residual(vjp, beta, rhs)
        trace.append(relative(residual))
        if stop_at(trace[-1], tol):
            break
    return SolverResult(beta, len(trace), trace[-1] if trace else 1.0, trace)
