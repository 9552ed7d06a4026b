"""Stop a trial that has diverged, saying what diverged and where, so a study can record it.

Checked at every training step: the loss and the simulated rates must be finite, the gradient must
be finite before the optimiser step and every parameter after it (a NaN weight is otherwise
invisible: a NaN membrane never reaches the threshold, so the rates stay finite). A backward solve
that fails is never applied (``mpis.solvers.bind_backward_solver`` falls back and says so); the
trial diverges only once more than ``SolverConfig.max_fallback_share`` of an epoch's steps fell back.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class TrainingDiverged(RuntimeError):
    """``what`` ("loss", "rate", "gradient", "parameter" or "backward_fallbacks") was ``value`` at
    ``epoch`` (1-based), ``step``."""

    def __init__(self, what: str, epoch: int, step: int, value: float):
        self.what, self.epoch, self.step, self.value = what, epoch, step, value
        super().__init__(f"training diverged: {what} is {value:.4g} at epoch {epoch}, step {step}")

    def __reduce__(self):  # picklable across processes (Ray workers)
        return type(self), (self.what, self.epoch, self.step, self.value)


def check_loss(loss: float, epoch: int, step: int) -> None:
    if not math.isfinite(loss):
        raise TrainingDiverged("loss", epoch, step, loss)


def check_rates(rates: list[Tensor], epoch: int, step: int) -> None:
    for rate in rates:
        finite = torch.isfinite(rate)
        if not bool(finite.all()):
            raise TrainingDiverged("rate", epoch, step, float(rate[~finite].flatten()[0]))


def gradient_norm(model: nn.Module, epoch: int, step: int) -> float:
    """The global L2 norm of every parameter gradient; ``TrainingDiverged`` if it is not finite."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0
    if not math.isfinite(norm):
        raise TrainingDiverged("gradient", epoch, step, norm)
    return norm


def check_parameters(model: nn.Module, epoch: int, step: int) -> None:
    """After the optimiser step: every parameter finite (one device sync for all of them)."""
    params = [p.detach() for p in model.parameters()]
    norm = float(torch.nn.utils.get_total_norm(params)) if params else 0.0
    if not math.isfinite(norm):
        raise TrainingDiverged("parameter", epoch, step, norm)


def check_fallbacks(fallbacks: int, steps_in_epoch: int, max_share: float, epoch: int, step: int) -> None:
    """Diverged once the epoch's failed backward solves exceed ``max_share`` of its steps."""
    if fallbacks > max_share * steps_in_epoch:
        raise TrainingDiverged("backward_fallbacks", epoch, step, fallbacks)
