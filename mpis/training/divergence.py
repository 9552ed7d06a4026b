"""Stop a trial that has diverged, saying what diverged and where, so a study can record it.

Checked at every training step: the loss and the simulated rates must be finite, and the adjoint
solve's final relative residual ``||J^T beta - beta + dL/da|| / ||dL/da||`` must be finite and at
most ``EXPLODED_BACKWARD_RESIDUAL``. The zero initial guess has residual 1, so a residual of 1,000
means the solver made the gradient a thousand times worse than doing nothing. A solver that measures
no residual (``one_step``: nan after 0 steps) is not treated as divergence.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from mpis.implicit import BackwardRecord

EXPLODED_BACKWARD_RESIDUAL = 1e3


class TrainingDiverged(RuntimeError):
    """``what`` ("loss", "rate" or "backward_residual") was ``value`` at ``epoch`` (1-based), ``step``."""

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


def check_backward(record: BackwardRecord | None, epoch: int, step: int) -> None:
    if record is None or (record.steps == 0 and math.isnan(record.relative_residual)):
        return  # BPTT, or a solver that never measures its residual
    residual = record.relative_residual
    if not math.isfinite(residual) or residual > EXPLODED_BACKWARD_RESIDUAL:
        raise TrainingDiverged("backward_residual", epoch, step, residual)
