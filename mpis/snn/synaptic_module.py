"""A synaptic module: conv / linear / transposed conv, then optional BatchNorm, then a dropout mask,
and the per-forward state every evaluation of one forward pass shares (ALGORITHMS.md §5.1-§5.3).

One forward pass of an equilibrium SNN evaluates the same synaptic modules many times: T simulation
steps, the equivalent map f, and the Jacobian probe in backward (possibly after later forwards).
Three things must be the same in all of them, and they are held in one value, a
:class:`ForwardState`, that the simulation, the equivalent map and the probe take as an argument:

* **Restricted weights** (feedback weights only): ``clamp(alpha, -c, c) V / sigma(V)``, computed
  once per forward, with one power iteration in training.
* **BatchNorm statistics snapshot**: the running statistics as they were when the forward began.
  "Running statistics" always means this snapshot, so an update made by the equivalent pass never
  changes the map that the simulation ran and that the probe differentiates.
* **Variational dropout masks**: one element-wise mask per module, drawn on its first use in the
  forward and shared by all T steps, f and the probe (``nn.Dropout`` would resample every step).

The BN statistics of a call are chosen by :class:`BNStats`: the simulation uses batch statistics
without update for the input and running statistics for hidden layers, the equivalent map batch
statistics with one update (``DEFAULT``) or the snapshot with one update taken without gradient
(``RUNNING_UPDATE``), the probe the snapshot; spike inputs are normalised with statistics computed
elsewhere (``GIVEN``, with ``statistics=(mean, std)``).
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
    GIVEN = "given"  # training: the (mean, std) passed as ``statistics`` (spike inputs, §1.3); eval: running


class ForwardState:
    """The per-forward state of a network's synaptic modules (see the module docstring).

    Built by :meth:`FeedbackSNN.forward_state` (or :meth:`SynapticModule.forward_state` for one
    module) at the start of a forward; masks are filled in on first use.
    """

    def __init__(self, weights: dict[nn.Module, Tensor], statistics: dict[nn.Module, tuple[Tensor, Tensor]]):
        self.weights = weights  # module -> its restricted weight (restricted modules only)
        self.statistics = statistics  # module -> (running mean, running var) at the forward's start
        self.masks: dict[nn.Module, Tensor] = {}  # module -> its dropout mask, drawn on first use


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

    def forward_state(self) -> ForwardState:
        """This module's entries of a new forward: its restricted weight (one power iteration in
        training) and its BN running-statistics snapshot."""
        weights = {} if self.spectral is None else {self: self.spectral.restrict(self.op.weight, update=self.training)}
        statistics = {} if self.bn is None else {self: (self.bn.running_mean.clone(), self.bn.running_var.clone())}
        return ForwardState(weights, statistics)

    def forward(self, x: Tensor, state: ForwardState | None = None, bn: BNStats = BNStats.DEFAULT,
                statistics: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """``x`` through op, BN and mask as fixed by ``state`` (None: a standalone call with its own
        fresh state). ``statistics`` are the (mean, std) of ``bn=BNStats.GIVEN``."""
        state = self.forward_state() if state is None else state
        y = self.apply_op(x, state)
        if self.bn is not None:
            y = self._normalize(y, state, bn, statistics)
        return self._drop(y, state)

    def apply_op(self, x: Tensor, state: ForwardState | None = None) -> Tensor:
        weight = None if state is None else state.weights.get(self)
        if weight is None and self.spectral is not None:
            weight = self.spectral.restrict(self.op.weight, update=False)
        if weight is None:
            return self.op(x)
        return functional_call(self.op, {"weight": weight}, (x,))

    def spike_statistics(self, mean_input: Tensor, state: ForwardState | None = None) -> tuple[Tensor, Tensor]:
        """Spike-input BN statistics (§1.3): mean and sqrt(unbiased var + 1e-8) of op(x_bar) per channel."""
        y = self.apply_op(mean_input, state)
        dims = [0] + list(range(2, y.dim()))
        return y.mean(dim=dims), torch.sqrt(y.var(dim=dims, unbiased=True) + 1e-8)

    def _normalize(self, y: Tensor, state: ForwardState, bn: BNStats,
                   statistics: tuple[Tensor, Tensor] | None) -> Tensor:
        norm = self.bn
        if bn is BNStats.GIVEN and self.training:
            if statistics is None:
                raise ValueError("bn=BNStats.GIVEN needs statistics=(mean, std)")
            shape = (1, -1) + (1,) * (y.dim() - 2)
            mean, std = (s.view(shape) for s in statistics)
            normalized = (y - mean) / std
            return normalized if norm.weight is None else normalized * norm.weight.view(shape) + norm.bias.view(shape)
        if bn is BNStats.DEFAULT:
            return norm(y)
        if bn is BNStats.BATCH_NO_UPDATE and self.training:
            return F.batch_norm(y, None, None, norm.weight, norm.bias, training=True, eps=norm.eps)
        if bn is BNStats.CALIBRATE:
            self._set_running_statistics(state, *_batch_statistics(y))
        mean, var = state.statistics.get(self) or (norm.running_mean, norm.running_var)
        out = F.batch_norm(y, mean, var, norm.weight, norm.bias, training=False, eps=norm.eps)
        if bn is BNStats.RUNNING_UPDATE and self.training:
            self._update_running_statistics(y)
        return out

    @torch.no_grad()
    def _update_running_statistics(self, y: Tensor) -> None:
        """One update, as ``nn.BatchNorm`` makes it, from ``y``'s batch statistics."""
        norm = self.bn
        batch_mean, batch_var = _batch_statistics(y)
        tracked = int(norm.num_batches_tracked)
        momentum = norm.momentum if norm.momentum is not None else 1.0 / (tracked + 1)
        norm.running_mean.lerp_(batch_mean, momentum)
        norm.running_var.lerp_(batch_var, momentum)
        norm.num_batches_tracked.add_(1)

    @torch.no_grad()
    def _set_running_statistics(self, state: ForwardState, mean: Tensor, var: Tensor) -> None:
        self.bn.running_mean.copy_(mean)
        self.bn.running_var.copy_(var)
        state.statistics[self] = (mean.clone(), var.clone())

    def _drop(self, y: Tensor, state: ForwardState) -> Tensor:
        if not self.training or self.dropout == 0:
            return y
        mask = state.masks.get(self)
        if mask is None or mask.shape != y.shape:
            keep = 1.0 - self.dropout
            mask = state.masks[self] = torch.bernoulli(torch.full_like(y, keep)) / keep
        return y * mask
