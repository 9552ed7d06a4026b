"""The result every backward solver returns, and the residual they all measure."""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch
from torch import Tensor

VJP = Callable[[Tensor], Tensor]  # beta -> J^T beta, batched over dim 0: (B, D) -> (B, D)


class SolverResult(NamedTuple):
    solution: Tensor  # beta, shape (B, D)
    steps: int  # vector-Jacobian products spent
    relative_residual: float  # ||J^T beta - beta + rhs|| / ||rhs|| of the solution; nan if never measured
    residual_trace: list[float]  # the relative residual after each step
    fallback: str | None = None  # the solver that produced ``solution`` when the configured one failed
    failed_residual: float = math.nan  # the configured solver's best residual, when it failed


def adjoint_residual(vjp: VJP, beta: Tensor, rhs: Tensor) -> Tensor:
    """g(beta) = J^T beta - beta + rhs; its root solves (I - J^T) beta = rhs."""
    return vjp(beta) - beta + rhs


class RelativeNorm:
    """``residual -> ||residual|| / ||rhs||`` with global norms over the batch (0 when rhs is 0);
    ``||rhs||`` is taken once."""

    def __init__(self, rhs: Tensor):
        self.scale = torch.linalg.vector_norm(rhs).item()

    def __call__(self, residual: Tensor) -> float:
        return self.of_norm(torch.linalg.vector_norm(residual).item())

    def of_norm(self, norm: float) -> float:
        """The relative residual of a residual whose global norm is ``norm``."""
        return norm / self.scale if self.scale > 0 else (0.0 if norm == 0 else math.inf)


def stop_at(relative_residual: float, tol: float) -> bool:
    """A solver stops once its residual is below ``tol``, or is no longer finite (nothing to gain)."""
    return relative_residual < tol or not math.isfinite(relative_residual)


def solve_failed(result: SolverResult) -> bool:
    """A measured solve is a failure when its residual is not below the zero guess's (1) or not finite."""
    return result.steps > 0 and not result.relative_residual < 1.0
