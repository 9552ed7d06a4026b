r"""Good Broyden's method on the adjoint residual :math:`g(\beta) = J^\top\beta - \beta + \partial L/\partial a`.

The inverse Jacobian estimate :math:`H \approx (\partial g/\partial\beta)^{-1}` is kept per sample in
low-rank form :math:`H = -I + \sum_i u_i v_i^\top` and updated by Sherman-Morrison after each step
:math:`d_n = -H g_n` (the first one is :math:`d_0 = g_0`, from :math:`H_0 = -I`; the released code
flips its sign). With :math:`\Delta\beta = d_n`, :math:`\Delta g = g_{n+1} - g_n` and
:math:`h = H g_{n+1}`, the good-Broyden update

.. math::
    v^\top = \Delta\beta^\top H, \qquad u = \frac{\Delta\beta - H\Delta g}{v^\top \Delta g}
    = \frac{-h}{v^\top \Delta g} \quad (H\Delta g = h + d_n), \qquad
    d_{n+1} = -H_{new}\, g_{n+1} = -h \Big(1 - \frac{v^\top g_{n+1}}{v^\top \Delta g}\Big)

needs two products with H per iteration (``h`` and ``v``), each over the filled pairs only, stored
as rows ``(B, n, D)`` so that both are row-vector x matrix products. When ``memory`` pairs are
filled the estimate restarts from :math:`H = -I` (limited-memory Broyden with restarts).

The iterate with the lowest residual is returned. When none beats the zero guess (residual 1: for
example when :math:`\rho(J) > 1` stalls a short memory), that is the zero vector with residual 1,
which :func:`mpis.solvers.bind_backward_solver` treats as a failed solve and never applies.
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


def _apply_inverse(us: Tensor, vs: Tensor, x: Tensor) -> Tensor:
    """H x = -x + sum_i u_i (v_i . x); us, vs: (B, n, D) rows, x: (B, D)."""
    row = x.unsqueeze(1)
    if us.shape[1] == 0:
        return -x
    return torch.baddbmm(row, torch.bmm(row, vs.transpose(1, 2)), us, beta=-1).squeeze(1)


def _apply_inverse_transposed(us: Tensor, vs: Tensor, x: Tensor) -> Tensor:
    """H^T x = x^T H = -x + sum_i (x . u_i) v_i."""
    row = x.unsqueeze(1)
    if us.shape[1] == 0:
        return -x
    return torch.baddbmm(row, torch.bmm(row, us.transpose(1, 2)), vs, beta=-1).squeeze(1)


def solve_by_broyden(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float, memory: int = 27) -> SolverResult:
    """Up to ``max_iter`` VJPs from beta = 0 (where g = rhs without a VJP)."""
    batch, dim = rhs.shape
    m = max(1, min(memory, max_iter))
    us, vs = rhs.new_empty(batch, m, dim), rhs.new_empty(batch, m, dim)  # only filled rows are read
    filled = 0
    relative = RelativeNorm(rhs)
    beta, residual, step = torch.zeros_like(rhs), rhs, rhs
    best, best_residual, trace = beta, 1.0, []
    for n in range(max_iter):
        beta = beta + step
        new_residual = adjoint_residual(vjp, beta, rhs)
        trace.append(relative(new_residual))
        if trace[-1] < best_residual:
            best, best_residual = beta, trace[-1]
        if stop_at(trace[-1], tol) or n == max_iter - 1:
            break
        if filled == m:  # memory full: restart from H = -I
            filled = 0
        u_filled, v_filled = us[:, :filled], vs[:, :filled]
        h = _apply_inverse(u_filled, v_filled, new_residual)
        v = _apply_inverse_transposed(u_filled, v_filled, step)
        v_new = torch.linalg.vecdot(v, new_residual)
        scale = (v_new - torch.linalg.vecdot(v, residual)).reciprocal_().neg_()  # -1 / v.(g_new - g)
        scale = scale.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0).unsqueeze(1)  # u = 0 where v.dg = 0
        torch.mul(h, scale, out=us[:, filled])  # u = -h / v.dg
        vs[:, filled] = v
        filled += 1
        step = h * (scale * v_new.unsqueeze(1)).add_(1).neg_()  # -(h + u (v . g_new)), one pass over h
        residual = new_residual
    return SolverResult(best, len(trace), best_residual if trace else 1.0, trace)
