r"""Synaptic operations (ACs) and multiply-accumulates (MACs) of one inference, from the simulated spikes.

Every weighted op of a :class:`SpikingModel` (``Conv2d``, ``ConvTranspose2d``, ``Linear``) is counted
from the input it actually received in an eval forward (forward hooks, only while counting):

* **Spike input** (the spiking layers 2..N, every feedback, event frames into the input module):
  an accumulate per input spike and target it reaches,

  .. math::
      N_\mathrm{AC} = \sum_{\text{calls}} \sum_p x_p \cdot \mathrm{fanout}(p), \qquad
      \mathrm{fanout}(p) = \textstyle\sum_q [W_{q \leftarrow p} \text{ exists}]

  i.e. ``sum(op_ones(x))`` with the op's weight replaced by ones and no bias: for a conv, the
  output channels times the kernel positions that land inside the output (padding excluded; an
  event count of k is k ACs); for a linear layer ``out_features``. Because the op is linear the
  inputs are summed over the batch first. The feedback runs from step 1 on (step 0 has no
  previous spikes), so it counts T - 1 steps' spikes.
* **Analog input** (the stem, the first layer on static images, the fusion paths, which mix
  analog *currents*, and the head after its first op), MACs of the dense op per call:
  ``out.numel() * in_per_output`` (conv, linear) or ``in.numel() * out_per_input`` (transposed
  conv), multiplications by padding included, the convention of FLOP counters (thop, ptflops,
  SpikingJelly's ``MACCounter``). **A static image is encoded once** (the same current enters at
  every step, as the simulation computes it), so the stem and the first layer count one pass,
  not T; the fusion runs at every step and counts ``steps`` passes. This is the direct-encoding
  convention of the field (e.g. Spikformer, Zhou et al. 2023: first layer as MACs, the rest as
  synaptic operations).
* **The readout** (the head's ops that read the rates: IDE's and the CNN's linear classifier,
  the first downsampling conv of each finer MPIS stream) reads a rate, ``sum_t s_t / T`` (LIF:
  weighted); on hardware that is the accumulation of the last layer's spikes, so it counts as
  ACs of the simulated spike counts (``SimulationResult.spike_maps``), one scaling aside.

Not counted (see :mod:`mpis.energy`): BatchNorm (folded into the weights at inference), biases,
the additions of fusion paths, membrane updates, memory traffic. ``ann_macs`` is the dense-ANN
equivalent: every op once, densely. Counts are keyed by layer, as the firing rates are:
``s<i>_l<l>`` is every op whose output is the current of layer l of stream i (layer 1: the input
module, the feedback and the fusion paths into it), plus ``stem`` and ``head``.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mpis.snn.simulation import SimulationResult
from mpis.snn.synaptic_module import SynapticModule

WEIGHTED_OPS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
SPIKES, ANALOG, READOUT = "spikes", "analog", "readout"


@dataclass(frozen=True)
class OpRole:
    layer: str  # the key its counts add to: "stem", "s<i>_l<l>" or "head"
    op: nn.Module
    kind: str  # SPIKES, ANALOG or READOUT
    stream: int = 0  # READOUT: whose last-layer spikes it reads


@dataclass
class OperationCounts:
    """Per layer key: ACs, MACs and dense-ANN MACs summed over ``samples`` inferences."""

    synaptic_ops: dict[str, float] = field(default_factory=dict)
    macs: dict[str, float] = field(default_factory=dict)
    ann_macs: dict[str, float] = field(default_factory=dict)
    samples: int = 0

    def add(self, other: OperationCounts) -> None:
        for mine, theirs in ((self.synaptic_ops, other.synaptic_ops), (self.macs, other.macs),
                             (self.ann_macs, other.ann_macs)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0.0) + value
        self.samples += other.samples

    def per_sample(self, counts: dict[str, float]) -> dict[str, float]:
        return {key: value / self.samples for key, value in counts.items()}


def fan_out_sum(op: nn.Module, x: Tensor) -> float:
    """``sum_p x_p * fanout(p)`` for one input ``x`` shaped like one sample (batch already summed)."""
    if isinstance(op, nn.Linear):
        return float(x.sum(dtype=torch.float64)) * op.out_features
    if op.padding_mode != "zeros":
        raise ValueError(f"padding_mode={op.padding_mode!r} is not counted; allowed: 'zeros'")
    x = x.to(torch.float64).unsqueeze(0)
    ones = torch.ones(op.weight.shape, dtype=torch.float64, device=x.device)
    if isinstance(op, nn.ConvTranspose2d):
        y = F.conv_transpose2d(x, ones, None, op.stride, op.padding, op.output_padding, op.groups, op.dilation)
    else:
        y = F.conv2d(x, ones, None, op.stride, op.padding, op.dilation, op.groups)
    return float(y.sum())


def dense_macs(op: nn.Module, x: Tensor, out: Tensor) -> float:
    """MACs of one dense evaluation (the whole batch): every multiplication, by padding zeros too."""
    per_element = op.weight[0].numel()  # Conv2d/Linear: inputs per output; ConvTranspose2d: outputs per input
    return float((x if isinstance(op, nn.ConvTranspose2d) else out).numel() * per_element)


def _synaptic_ops(module: nn.Module) -> list[nn.Module]:
    return [m.op for m in module.modules() if isinstance(m, SynapticModule)]


def operation_roles(model: nn.Module) -> list[OpRole]:
    """Every weighted op of a :class:`SpikingModel` with its layer key and kind (module docstring)."""
    roles: list[OpRole] = []
    if model.stem is not None:
        roles += [OpRole("stem", op, ANALOG) for op in model.stem.modules() if isinstance(op, WEIGHTED_OPS)]
    for i, stream in enumerate(model.snn.streams):
        kind = SPIKES if model.events else ANALOG
        roles += [OpRole(f"s{i}_l1", op, kind) for op in _synaptic_ops(stream.input_module)]
        if stream.feedback is not None:
            roles += [OpRole(f"s{i}_l1", op, SPIKES) for op in _synaptic_ops(stream.feedback)]
        roles += [OpRole(f"s{i}_l{k + 2}", layer.op, SPIKES) for k, layer in enumerate(stream.layers)]
    if model.snn.fusion is not None:
        for name, path in model.snn.fusion.paths.items():
            roles += [OpRole(f"s{name.split('_to_')[1]}_l1", op, ANALOG) for op in _synaptic_ops(path)]
    readers = {op: stream for stream, op in model.head.rate_readers()}
    roles += [OpRole("head", op, READOUT, readers[op]) if op in readers else OpRole("head", op, ANALOG)
              for op in model.head.modules() if isinstance(op, WEIGHTED_OPS)]
    counted = {role.op for role in roles}
    missing = [name for name, op in model.named_modules() if isinstance(op, WEIGHTED_OPS) and op not in counted]
    if missing:
        raise ValueError(f"ops {missing} of preset {model.config.preset!r} have no counting role")
    return roles


class OperationTally:
    """What the hooks saw in one forward; :meth:`finish` turns it into :class:`OperationCounts`."""

    def __init__(self, roles: list[OpRole]):
        self.roles = roles
        self.counts = OperationCounts()
        self._ann_seen: set[nn.Module] = set()

    def hook(self, role: OpRole):
        def record(op: nn.Module, inputs: tuple[Tensor, ...], out: Tensor) -> None:
            x = inputs[0].detach()
            if role.op not in self._ann_seen:  # the dense ANN evaluates every op once
                self._ann_seen.add(role.op)
                _add(self.counts.ann_macs, role.layer, dense_macs(op, x, out))
            if role.kind == SPIKES:
                _add(self.counts.synaptic_ops, role.layer, fan_out_sum(op, x.sum(0)))
            elif role.kind == ANALOG:
                _add(self.counts.macs, role.layer, dense_macs(op, x, out))
        return record

    def finish(self, simulation: SimulationResult, batch: int) -> OperationCounts:
        for role in self.roles:
            if role.kind == READOUT:
                _add(self.counts.synaptic_ops, role.layer, fan_out_sum(role.op, simulation.spike_maps[role.stream][-1]))
        layers = sorted(dict.fromkeys(role.layer for role in self.roles), key=_layer_order)
        for name in ("synaptic_ops", "macs", "ann_macs"):  # every key, zeros included, in network order
            counts = getattr(self.counts, name)
            setattr(self.counts, name, {layer: counts.get(layer, 0.0) for layer in layers})
        self.counts.samples = batch
        return self.counts


def _layer_order(layer: str) -> tuple[int, int, int]:
    """stem, then s0_l1, s0_l2, ..., s1_l1, ..., then head."""
    if layer in ("stem", "head"):
        return (0 if layer == "stem" else 2, 0, 0)
    stream, depth = layer[1:].split("_l")
    return (1, int(stream), int(depth))


def _add(counts: dict[str, float], key: str, value: float) -> None:
    counts[key] = counts.get(key, 0.0) + value


@contextmanager
def hooked(tally, roles) -> Iterator:
    """``tally.hook(role)`` on every role's op for the forwards inside the block; removed after it."""
    handles = [role.op.register_forward_hook(tally.hook(role)) for role in roles]
    try:
        yield tally
    finally:
        for handle in handles:
            handle.remove()


def counting_operations(model: nn.Module):
    """Hooks on every weighted op of ``model`` for the forwards inside the block (eval use only)."""
    roles = operation_roles(model)
    return hooked(OperationTally(roles), roles)


@torch.no_grad()
def count_operations(model: nn.Module, inputs: Tensor):
    """``(output, counts)`` of one eval forward of ``inputs`` (the caller sets ``model.eval()``)."""
    with counting_operations(model) as tally:
        output = model(inputs)
    return output, tally.finish(output.simulation, inputs.shape[0])
