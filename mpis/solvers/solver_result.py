"""The result every backward solver returns, and the residual they all measure."""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from torch import Tensor

VJP = Callable[[Tensor], Tensor]  # beta -> J^T beta, batched over dim 0: (B, D) -> (B, D)


class SolverResult(NamedTuple):
    solution: Tensor  # beta, shape (B, D)
    steps: int  # vector-Jacobian products spent
    relative_residual: float  # ||J^T beta - beta + rhs|| / ||rhs|| of the solution; nan if never measured
    residual_trace: list[float]  # the relative residual after each step


def adjoint_residual(vjp: VJP, beta: Tensor, rhs: Tensor) -> Tensor:
    """g(beta) = J^T beta - beta + rhs; its root solves (I - J^T) beta = rhs."""
    return vjp(beta) - beta + rhs


def relative_norm(residual: Tensor, rhs: Tensor) -> float:
    """||residual|| / ||rhs|| with global norms over the batch (0 when rhs is 0)."""
    scale = torch.linalg.vector_norm(rhs).item()
    return torch.linalg.vector_norm(residual).item() / scale if scale > 0 else 0.0
