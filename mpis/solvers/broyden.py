r"""Good Broyden's method on the adjoint residual :math:`g(\beta) = J^\top\beta - \beta + \partial L/\partial a`.

The inverse Jacobian estimate :math:`H \approx (\partial g/\partial\beta)^{-1}` is kept per sample in
low-rank form :math:`H = -I + \sum_i u_i v_i^\top` (a ring buffer of ``memory`` pairs) and updated
by Sherman-Morrison after each step: with :math:`\Delta\beta, \Delta g`,
:math:`v^\top = \Delta\beta^\top H`, :math:`u = (\Delta\beta - H\Delta g) / (v^\top\Delta g)`.
Steps are :math:`d = -H g`; the first one is :math:`d = g` (from :math:`H_0 = -I`; the released
code flips its sign). The iterate with the lowest residual is returned.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mpis.solvers.solver_result import VJP, SolverResult, adjoint_residual, relative_norm


def _apply_inverse(us: Tensor, vts: Tensor, x: Tensor) -> Tensor:
    """H x with H = -I + U V^T; us: (B, D, m), vts: (B, m, D), x: (B, D)."""
    return -x + (us @ (vts @ x.unsqueeze(-1))).squeeze(-1)


def _apply_inverse_transposed(us: Tensor, vts: Tensor, x: Tensor) -> Tensor:
    """x^T H, returned as (B, D)."""
    return -x + ((x.unsqueeze(1) @ us) @ vts).squeeze(1)


def solve_by_broyden(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float, memory: int = 27) -> SolverResult:
    """Up to ``max_iter`` VJPs from beta = 0 (where g = rhs without a VJP)."""
    batch, dim = rhs.shape
    m = max(1, min(memory, max_iter))
    us, vts = rhs.new_zeros(batch, dim, m), rhs.new_zeros(batch, m, dim)
    beta, residual = torch.zeros_like(rhs), rhs
    best, best_residual, trace = beta, 1.0, []
    step = residual
    for n in range(max_iter):
        new_beta = beta + step
        new_residual = adjoint_residual(vjp, new_beta, rhs)
        delta_beta, delta_g = new_beta - beta, new_residual - residual
        beta, residual = new_beta, new_residual
        trace.append(relative_norm(residual, rhs))
        if trace[-1] < best_residual:
            best, best_residual = beta, trace[-1]
        if trace[-1] < tol:
            break
        vt = _apply_inverse_transposed(us, vts, delta_beta)
        denominator = (vt * delta_g).sum(dim=1, keepdim=True)
        u = (delta_beta - _apply_inverse(us, vts, delta_g)) / denominator
        us[:, :, n % m] = torch.nan_to_num(u, nan=0.0, posinf=0.0, neginf=0.0)
        vts[:, n % m] = torch.nan_to_num(vt, nan=0.0, posinf=0.0, neginf=0.0)
        step = -_apply_inverse(us, vts, residual)
    return SolverResult(best, len(trace), best_residual, trace)
