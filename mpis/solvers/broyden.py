r"""Good Broyden's method on the adjoint residual :math:`g(\beta) = J^\top\beta - \beta + \partial L/\partial a`.

Broyden's first ("good") method keeps an estimate :math:`H_n \approx (\partial g/\partial\beta)^{-1}`,
starting from :math:`H_0 = -I` (:math:`\partial g/\partial\beta = J^\top - I`), steps
:math:`s_n = -H_n g(\beta_n)` and updates :math:`H` by Sherman-Morrison so that
:math:`H_{n+1} y_n = s_n` (:math:`y_n = g_{n+1} - g_n`). With full steps every update has the
product form (Kelley, *Iterative Methods for Linear and Nonlinear Equations*, 1995, §7.3)

.. math::
    H_{n+1} = \Big(I + \frac{s_{n+1} s_n^\top}{s_n^\top s_n}\Big) H_n, \qquad
    z = -H_n g_{n+1} = \prod_{j<n}\Big(I + \frac{s_{j+1} s_j^\top}{s_j^\top s_j}\Big)\, g_{n+1}, \qquad
    s_{n+1} = \frac{z}{1 - s_n^\top z / s_n^\top s_n},

so only the steps are stored, and one iteration reads each of them once: one pass over the history
instead of the four of the two-vector form :math:`H = -I + \sum_i u_i v_i^\top`. It is solved per
sample (each sample's system is its own). The first step is :math:`s_0 = g(0) = \partial L/\partial a`,
kept as the history's first step without a VJP. After ``memory`` updates the estimate restarts from
:math:`H = -I` (the step is :math:`g` itself, the history is dropped).

On CPU (float32/float64) one iteration after its VJP is one call of the fused C step of
:mod:`mpis.solvers.native_kernel`; elsewhere the same arithmetic runs as PyTorch operations.

The iterate with the lowest residual is returned. When none beats the zero guess (residual 1: for
example when :math:`\rho(J) > 1` stalls a short memory), that is the zero vector with residual 1,
which :func:`mpis.solvers.bind_backward_solver` treats as a failed solve and never applies.
"""

from __future__ import annotations

import ctypes
import math

import torch
from torch import Tensor

from mpis.solvers import native_kernel
from mpis.solvers.solver_result import VJP, RelativeNorm, SolverResult, stop_at


def _finite_or(values: Tensor, default: float) -> Tensor:
    return values.nan_to_num(nan=default, posinf=default, neginf=default)


def _next_step(g: Tensor, steps: list[Tensor], inverse_squares: Tensor, into: Tensor) -> tuple[Tensor, Tensor]:
    """(``s_new`` written into ``into``, ``1 / |s_new|^2`` per sample) from ``g`` and the history
    ``s_0 .. s_k`` (empty at a restart): the PyTorch form of the fused step."""
    z = into.copy_(g)
    if steps:
        for j in range(len(steps) - 1):
            z.addcmul_(steps[j + 1], (torch.linalg.vecdot(steps[j], z) * inverse_squares[:, j]).unsqueeze(1))
        factor = _finite_or(1 / (1 - torch.linalg.vecdot(steps[-1], z) * inverse_squares[:, len(steps) - 1]), 1.0)
        z.mul_(factor.unsqueeze(1))
    return z, _finite_or(1 / torch.linalg.vecdot(z, z), 0.0)


def solve_by_broyden(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float, memory: int = 27,
                     native: bool = True) -> SolverResult:
    """Up to ``max_iter`` VJPs from beta = 0 (where g = rhs without a VJP). ``native=False`` runs the
    PyTorch form even where the fused CPU step is available."""
    rhs = rhs.contiguous()
    batch, dim = rhs.shape
    pairs_at_most = max(1, min(memory, max_iter))
    kernel = native_kernel.broyden_step(rhs) if native else None
    relative = RelativeNorm(rhs)
    inverse_squares = rhs.new_empty(batch, pairs_at_most + 1)
    inverse_squares[:, 0] = _finite_or(1 / torch.linalg.vecdot(rhs, rhs), 0.0)
    steps, spare = [rhs], []  # the history s_0 .. s_k of this cycle; buffers free for new steps
    beta, best, best_residual, trace = rhs.clone(), torch.zeros_like(rhs), 1.0, []
    for n in range(max_iter):
        out = vjp(beta).contiguous()
        if (out.shape, out.dtype, out.device) != (rhs.shape, rhs.dtype, rhs.device):  # the C step reads raw memory
            raise ValueError(f"the VJP returned {tuple(out.shape)} {out.dtype} on {out.device} for a "
                             f"{tuple(rhs.shape)} {rhs.dtype} system on {rhs.device}")
        restart = len(steps) > pairs_at_most
        into = spare.pop() if spare else torch.empty_like(rhs)
        new_index = 0 if restart else len(steps)
        if kernel is not None:  # g, its norm, s_new and beta + s_new in one pass (possibly unused)
            beta_next = torch.empty_like(rhs)
            pointers = (ctypes.c_void_p * len(steps))(*(step.data_ptr() for step in steps))
            squares = kernel(out.data_ptr(), beta.data_ptr(), rhs.data_ptr(), pointers, inverse_squares.data_ptr(),
                             batch, dim, pairs_at_most + 1, len(steps) - 1, restart, new_index,
                             into.data_ptr(), beta_next.data_ptr())
            norm = math.sqrt(squares)
        else:
            g = out - beta + rhs
            norm = torch.linalg.vector_norm(g).item()
        trace.append(relative.of_norm(norm))
        if trace[-1] < best_residual:
            best, best_residual = beta, trace[-1]
        if stop_at(trace[-1], tol) or n == max_iter - 1:
            break
        if kernel is None:
            into, inverse_squares[:, new_index] = _next_step(g, [] if restart else steps, inverse_squares, into)
            beta_next = beta + into
        if restart:
            spare.extend(step for step in steps if step is not rhs)
            steps = []
        steps.append(into)
        beta = beta_next
    return SolverResult(best, len(trace), best_residual if trace else 1.0, trace)
