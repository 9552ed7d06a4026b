r"""Truncated Neumann series: :math:`\beta_K = \sum_{i<K} (J^\top)^i\, \partial L/\partial a`.

The residual of a partial sum is its next term, :math:`g(\beta_K) = (J^\top)^K \partial L/\partial a`,
so it is measured for free.
"""

from __future__ import annotations

from torch import Tensor

from mpis.solvers.solver_result import VJP, RelativeNorm, SolverResult, stop_at


def solve_by_neumann(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float) -> SolverResult:
    """Sum up to ``max_iter`` terms (``max_iter`` VJPs), stopping once the next term is below ``tol``."""
    beta, term = rhs, rhs
    relative = RelativeNorm(rhs)
    trace: list[float] = []
    for _ in range(max_iter):
        term = vjp(term)  # the residual of beta, which holds len(trace) + 1 terms
        trace.append(relative(term))
        if stop_at(trace[-1], tol) or len(trace) == max_iter:
            break
        beta = beta + term
    return SolverResult(beta, len(trace), trace[-1] if trace else float("nan"), trace)
