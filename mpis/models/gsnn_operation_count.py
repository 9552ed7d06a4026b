"""ACs and MACs of one gsnn inference (:class:`mpis.models.gsnn_family.GSNNModel`), counted by forward
hooks from the inputs every op actually received, with the helpers and keys of
:mod:`mpis.models.operation_count`; what is AC and what is MAC is stated in ``gsnn_family``'s docstring."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from mpis.models.gsnn.neurons import SPIKING_ENCODERS
from mpis.models.gsnn.windows import WindowGeometry, coverage
from mpis.models.operation_count import WEIGHTED_OPS, OperationCounts, _add, _layer_order, dense_macs, fan_out_sum, hooked

CELL_INPUT, SPIKES, RATE, ANALOG = "cell_input", "spikes", "rate", "analog"
RECURRENT_OPS = (nn.LSTM, nn.GRU, nn.RNN)
GATES = {nn.LSTM: 4, nn.GRU: 3, nn.RNN: 1}


@dataclass(frozen=True)
class GSNNOpRole:
    layer: str  # "stem", "s0_l<k>" (k: the k-th LIF layer in network order) or "head"
    op: nn.Module
    kind: str  # CELL_INPUT, SPIKES, RATE or ANALOG
    geometry: WindowGeometry | None = None  # RATE: the block's windows (overlap coverage)


def gsnn_operation_roles(model: nn.Module) -> list[GSNNOpRole]:
    """Every weighted op of a ``GSNNModel`` with its layer key and kind (``gsnn_family`` docstring)."""
    net = model.net
    roles, layer = [GSNNOpRole("stem", net.stem, ANALOG)], 0
    for i, stage in enumerate(net.stages):
        for block in stage:
            cell, first = block.mixer.cell, layer + 1
            layer += len(cell.layer_names)
            last = f"s0_l{layer}"
            if hasattr(cell, "rnn"):
                roles.append(GSNNOpRole(last, cell.rnn, CELL_INPUT))
            else:
                roles += [GSNNOpRole(f"s0_l{first}", cell.conv1, CELL_INPUT), GSNNOpRole(last, cell.conv2, SPIKES)]
            roles += [GSNNOpRole(last, block.mixer.fc, RATE, block.mixer.geometry),
                      GSNNOpRole(last, block.mlp.fc1, ANALOG), GSNNOpRole(last, block.mlp.fc2, ANALOG)]
        if i < len(net.merges):
            roles.append(GSNNOpRole(last, net.merges[i].reduction, ANALOG))
            if len(net.membrane_merges):
                roles.append(GSNNOpRole(last, net.membrane_merges[i].reduction, ANALOG))
    roles.append(GSNNOpRole("head", net.head, ANALOG))
    counted = {role.op for role in roles}
    missing = [name for name, op in model.named_modules()
               if isinstance(op, WEIGHTED_OPS + RECURRENT_OPS) and op not in counted]
    if missing:
        raise ValueError(f"ops {missing} of preset {model.config.preset!r} have no counting role")
    return roles


def recurrent_macs(op: nn.RNNBase, x: Tensor) -> tuple[float, float]:
    """``(input part, recurrent part)`` of one dense call on ``x`` ``(B, L, C)``: per token and direction
    ``gates * h * C`` and ``gates * h * h`` multiply-accumulates (gate nonlinearities not counted)."""
    rows = GATES[type(op)] * op.hidden_size * (2 if op.bidirectional else 1)
    tokens = x.shape[0] * x.shape[1]
    return float(tokens * rows * op.input_size), float(tokens * rows * op.hidden_size)


class GSNNTally:
    """What the hooks saw in one forward of a gsnn network."""

    def __init__(self, roles: list[GSNNOpRole], encoder: str, time_steps: int, region_threshold: float | None):
        self.roles, self.spiking_input, self.time_steps = roles, encoder in SPIKING_ENCODERS, time_steps
        self.region_threshold = region_threshold
        self.counts = OperationCounts()

    def hook(self, role: GSNNOpRole):
        def record(op: nn.Module, inputs: tuple[Tensor, ...], out) -> None:
            x = inputs[0].detach()
            counts, key = self.counts, role.layer
            if isinstance(op, RECURRENT_OPS):
                input_part, recurrent_part = recurrent_macs(op, x)
                _add(counts.ann_macs, key, (input_part + recurrent_part) / self.time_steps)
                if self.spiking_input:  # spikes x (gate rows of W_ih); W_hh on the analog hidden state: MACs
                    rows = GATES[type(op)] * op.hidden_size * (2 if op.bidirectional else 1)
                    _add(counts.synaptic_ops, key, float(x.sum(dtype=torch.float64)) * rows)
                    _add(counts.macs, key, recurrent_part)
                else:  # a direct window is the same at every sweep: its cell is evaluated once
                    _add(counts.macs, key, (input_part + recurrent_part) / self.time_steps)
                return
            dense = dense_macs(op, x, out)
            if role.kind in (CELL_INPUT, SPIKES):  # called once per window and sweep; the ANN once per window
                _add(counts.ann_macs, key, dense / self.time_steps)
                if role.kind == SPIKES or self.spiking_input:
                    _add(counts.synaptic_ops, key, fan_out_sum(op, x.sum(0)))
                else:
                    _add(counts.macs, key, dense / self.time_steps)
                return
            _add(counts.ann_macs, key, dense)
            if role.kind == RATE and self._linear_in_spikes(role):
                # the rate is sum_t condense(s_t) / T: every window's spike reaches out_features targets
                spikes = (x * coverage(role.geometry, x)).sum(dtype=torch.float64) * self.time_steps
                _add(counts.synaptic_ops, key, float(spikes) * op.out_features)
            else:
                _add(counts.macs, key, dense)
        return record

    def _linear_in_spikes(self, role: GSNNOpRole) -> bool:
        """Regular windows, or no region threshold: the projection is linear in the windows' spikes."""
        return role.geometry.kind == "regular" or self.region_threshold is None

    def finish(self, batch: int) -> OperationCounts:
        layers = sorted(dict.fromkeys(role.layer for role in self.roles), key=_layer_order)
        for name in ("synaptic_ops", "macs", "ann_macs"):
            counts = getattr(self.counts, name)
            setattr(self.counts, name, {layer: counts.get(layer, 0.0) for layer in layers})
        self.counts.samples = batch
        return self.counts


def counting_gsnn_operations(model: nn.Module):
    """Hooks on every weighted op of a ``GSNNModel`` for the forwards inside the block (eval use only)."""
    network = model.network_config
    tally = GSNNTally(gsnn_operation_roles(model), network.encoder, network.time_steps, network.region_threshold)
    return hooked(tally, tally.roles)


@torch.no_grad()
def count_gsnn_operations(model: nn.Module, inputs: Tensor):
    """``(output, counts)`` of one eval forward of ``inputs`` (the caller sets ``model.eval()``)."""
    with counting_gsnn_operations(model) as tally:
        output = model(inputs)
    return output, tally.finish(inputs.shape[0])
