"""The Jacobian-free ("one-step") gradient: beta = dL/da, i.e. (I - J^T)^-1 replaced by I."""

from __future__ import annotations

import math

from torch import Tensor

from mpis.solvers.solver_result import VJP, SolverResult


def solve_one_step(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float) -> SolverResult:
    """Return ``rhs`` itself without evaluating any VJP (the residual is not measured: nan)."""
    del vjp, max_iter, tol  # the one-step gradient never looks at the Jacobian
    return SolverResult(rhs, 0, math.nan, [])
