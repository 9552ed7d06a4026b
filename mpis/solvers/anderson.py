r"""Anderson acceleration of the adjoint fixed-point map :math:`h(\beta) = J^\top\beta + \partial L/\partial a`.

Each step mixes the last ``m`` iterates with weights :math:`\alpha` (per sample) that minimise
:math:`\|\sum_j \alpha_j (h(\beta_j) - \beta_j)\|^2` subject to :math:`\sum_j \alpha_j = 1` (a small
ridge ``regularization`` keeps the bordered system well posed), then sets
:math:`\beta_{new} = \sum_j \alpha_j h(\beta_j)`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mpis.solvers.solver_result import VJP, RelativeNorm, SolverResult, stop_at


def solve_by_anderson(vjp: VJP, rhs: Tensor, *, max_iter: int, tol: float, memory: int = 5,
                      regularization: float = 1e-8) -> SolverResult:
    """Up to ``max_iter`` VJPs; starts from beta = 0, whose image under h is rhs (no VJP needed).
    Returns the iterate with the lowest residual (the zero guess, residual 1, if none is lower)."""
    batch, dim = rhs.shape
    m = max(1, memory)
    iterates = rhs.new_zeros(batch, m + 1, dim)  # beta_j
    images = rhs.new_zeros(batch, m + 1, dim)  # h(beta_j)
    images[:, 0] = rhs
    relative = RelativeNorm(rhs)
    best, best_residual, trace = rhs.new_zeros(batch, dim), 1.0, []
    count = 1
    for _ in range(max_iter):
        n = min(count, m + 1)
        diffs = images[:, :n] - iterates[:, :n]
        gram = diffs @ diffs.transpose(1, 2)
        gram = gram + regularization * gram.diagonal(dim1=1, dim2=2).mean(-1).clamp_min(1e-30)[:, None, None] \
            * torch.eye(n, dtype=rhs.dtype, device=rhs.device)
        weights = torch.linalg.solve(gram, torch.ones(batch, n, 1, dtype=rhs.dtype, device=rhs.device))
        weights = weights / weights.sum(dim=1, keepdim=True)
        beta = (weights.transpose(1, 2) @ images[:, :n])[:, 0]
        image = vjp(beta) + rhs
        trace.append(relative(image - beta))
        slot = count % (m + 1)
        iterates[:, slot], images[:, slot] = beta, image
        count += 1
        if trace[-1] < best_residual:
            best, best_residual = beta, trace[-1]
        if stop_at(trace[-1], tol):
            break
    return SolverResult(best, len(trace), best_residual, trace)
