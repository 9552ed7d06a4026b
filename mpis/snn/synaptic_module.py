"""A synaptic module: conv / linear / transposed conv, then optional BatchNorm, then a dropout mask.

Three pieces of per-forward state live here and nowhere else (ALGORITHMS.md §5.1-§5.3):

* **BatchNorm statistics** are chosen per call by :class:`BNStats`, so one module serves the
  simulation (input: batch statistics without a running-statistics update; hidden: running
  statistics), the equivalent map (batch statistics with one update, or the simulation's running
  statistics with one update taken without gradient) and the Jacobian probe (running statistics).
  "Running statistics" always means this forward's *snapshot* of them, taken by ``begin_forward``:
  an update made by the equivalent pass never changes the map that the simulation ran and that the
  probe differentiates, even when several forwards run before one backward.
* **Variational dropout**: one element-wise mask per module per forward call, shared by all T steps,
  by the equivalent map and by the probe (``nn.Dropout`` would resample every step).
* **Spectral-norm restriction** (feedback weights only): the effective weight is computed once per
  forward call, with one power iteration.

``begin_forward()`` resets the per-forward state; ``forward_state()`` / ``load_forward_state()``
snapshot and restore it so a probe evaluated later in backward sees this forward's masks, weights
and statistics.
"""

from __future__ import annotations

import enum

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from mpis.snn.spectral_norm import SpectralNormRestriction


class BNStats(enum.Enum):
    DEFAULT = "default"  # nn.BatchNorm as in module.training: batch stats + update, or running stats
    BATCH_NO_UPDATE = "batch_no_update"  # batch statistics, running statistics left untouched
    RUNNING = "running"  # this forward's snapshot of the running statistics: BN is an affine map
    RUNNING_UPDATE = "running_update"  # RUNNING; in training, then one running-statistics update from
    # this input's batch statistics, without gradient (the simulated map and f stay the same map)
    CALIBRATE = "calibrate"  # running statistics := this input's batch statistics, then RUNNING


def init_unit_norm_(op: nn.Module) -> None:
    """IDE init (§5.4): each output unit's incoming weights ~ U(-1, 1), scaled to unit L2 norm; bias 0."""
    with torch.no_grad():
        weight = op.weight
        weight.uniform_(-1.0, 1.0)
        per_output = weight.transpose(0, 1) if isinstance(op, nn.ConvTranspose2d) else weight
        per_output.div_(per_output.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *[1] * (weight.dim() - 1)))
        if op.bias is not None:
            op.bias.zero_()


def _batch_statistics(y: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and unbiased variance over every dimension but 1, without gradient (as
    ``nn.BatchNorm`` feeds its running statistics)."""
    y = y.detach()
    dims = [0] + list(range(2, y.dim()))
    return y.mean(dim=dims), y.var(dim=dims, unbiased=True)


def _channels_out(op: nn.Module) -> int:
    return op.out_features if isinstance(op, nn.Linear) else op.out_channels


class SynapticModule(nn.Module):
    """``op -> [BN] -> [dropout mask]``; the op's weight may be spectral-norm restricted."""

    def __init__(self, op: nn.Module, *, batch_norm: bool, dropout: float,
                 spectral_bound: float | None = None, affine: bool = True):
        super().__init__()
        init_unit_norm_(op)
        self.op = op
        self.bn = None
        if batch_norm:
            bn_class = nn.BatchNorm1d if isinstance(op, nn.Linear) else nn.BatchNorm2d
            self.bn = bn_class(_channels_out(op), affine=affine)  # affine=False: no gamma, beta
        self.dropout = dropout
        self.spectral = None if spectral_bound is None else SpectralNormRestriction(op.weight, spectral_bound)
        self._mask: Tensor | None = None
        self._weight: Tensor | None = None
        self._statistics: tuple[Tensor, Tensor] | None = None  # running (mean, var) at begin_forward

    def begin_forward(self) -> None:
        """Forget the last forward's dropout mask; recompute the restricted weight (one power
        iteration in training); snapshot the BN running statistics."""
        self._mask = None
        self._weight = (None if self.spectral is None
                        else self.spectral.restrict(self.op.weight, update=self.training))
        self._statistics = None if self.bn is None else (self.bn.running_mean.clone(), self.bn.running_var.clone())

    def forward_state(self) -> tuple:
        return self._mask, self._weight, self._statistics

    def load_forward_state(self, state: tuple) -> None:
        self._mask, self._weight, self._statistics = state

    def forward(self, x: Tensor, bn: BNStats | tuple[Tensor, Tensor] = BNStats.DEFAULT) -> Tensor:
        y = self.apply_op(x)
        if self.bn is not None:
            y = self._normalize(y, bn)
        return self._drop(y)

    def apply_op(self, x: Tensor) -> Tensor:
        if self._weight is None:
            return self.op(x)
        return functional_call(self.op, {"weight": self._weight}, (x,))

    def spike_statistics(self, mean_input: Tensor) -> tuple[Tensor, Tensor]:
        """Spike-input BN statistics (§1.3): mean and sqrt(unbiased var + 1e-8) of op(x_bar) per channel."""
        y = self.apply_op(mean_input)
        dims = [0] + list(range(2, y.dim()))
        return y.mean(dim=dims), torch.sqrt(y.var(dim=dims, unbiased=True) + 1e-8)

    def _normalize(self, y: Tensor, bn: BNStats | tuple[Tensor, Tensor]) -> Tensor:
        norm = self.bn
        if isinstance(bn, tuple) and self.training:
            shape = (1, -1) + (1,) * (y.dim() - 2)
            mean, std = (s.view(shape) for s in bn)
            normalized = (y - mean) / std
            return normalized if norm.weight is None else normalized * norm.weight.view(shape) + norm.bias.view(shape)
        if bn is BNStats.DEFAULT:
            return norm(y)
        if bn is BNStats.BATCH_NO_UPDATE and self.training:
            return F.batch_norm(y, None, None, norm.weight, norm.bias, training=True, eps=norm.eps)
        if bn is BNStats.CALIBRATE:
            self._set_running_statistics(*_batch_statistics(y))
        mean, var = self._statistics or (norm.running_mean, norm.running_var)
        out = F.batch_norm(y, mean, var, norm.weight, norm.bias, training=False, eps=norm.eps)
        if bn is BNStats.RUNNING_UPDATE and self.training:
            with torch.no_grad():
                batch_mean, batch_var = _batch_statistics(y)
                tracked = int(norm.num_batches_tracked)
                momentum = norm.momentum if norm.momentum is not None else 1.0 / (tracked + 1)
                norm.running_mean.lerp_(batch_mean, momentum)
                norm.running_var.lerp_(batch_var, momentum)
                norm.num_batches_tracked.add_(1)
        return out

    @torch.no_grad()
    def _set_running_statistics(self, mean: Tensor, var: Tensor) -> None:
        self.bn.running_mean.copy_(mean)
        self.bn.running_var.copy_(var)
        self._statistics = (mean.clone(), var.clone())

    def _drop(self, y: Tensor) -> Tensor:
        if not self.training or self.dropout == 0:
            return y
        if self._mask is None or self._mask.shape != y.shape:
            keep = 1.0 - self.dropout
            self._mask = torch.bernoulli(torch.full_like(y, keep)) / keep
        return y * self._mask
