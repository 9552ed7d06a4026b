r"""Feedback SNNs: one or several streams of spiking layers, each with feedback from its last layer.

A **stream** with N layers (ALGORITHMS.md §1.2): layer 1 receives the input current plus the
feedback of the stream's last layer from the previous step; layers 2..N receive the spikes of the
layer below from the same step. N = 1 is the single-layer IDE "F/W" model (feedback W from the layer
into itself). Streams may be **fused** at layer 1 (MPIS): a fusion maps the list of stream currents
``c_i`` to the list of layer-1 currents ``I_{i,1}``; without fusion ``I_{i,1} = c_i``.

The **equivalent map** of the joint last-layer rates ``a = (a_0, ..., a_{M-1})`` (§2.2, §3.4):

.. math::
    c_i = X_i(\bar x) + W_i a_i, \quad r_{i,1} = \sigma\big(\mathrm{fuse}(c)_i / V_{th}\big), \quad
    r_{i,l} = \sigma\big(F_{i,l}(r_{i,l-1}) / V_{th}\big), \quad f(a)_i = r_{i,N}

with the double-bounded ReLU :math:`\sigma(z) = \min(\max(z, 0), 1)` and a single division by V_th.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mpis.snn.synaptic_module import BNStats, ForwardState, SynapticModule


def double_bounded_relu(z: Tensor) -> Tensor:
    """sigma(z) = clamp(z, 0, 1): the rate of an IF neuron at equilibrium (at most one spike per step)."""
    return z.clamp(0.0, 1.0)


class FeedbackStream(nn.Module):
    """``input_module -> layer 1 -> layers[0] -> ... -> layer N``, with ``feedback: layer N -> layer 1``."""

    def __init__(self, input_module: nn.Module, layers: list[SynapticModule], feedback: nn.Module | None):
        super().__init__()
        self.input_module = input_module
        self.layers = nn.ModuleList(layers)
        self.feedback = feedback

    @property
    def depth(self) -> int:
        return 1 + len(self.layers)


class FeedbackSNN(nn.Module):
    """Streams plus an optional layer-1 fusion; owns no time loop (see ``mpis.snn.simulation``).

    Every method that evaluates synaptic modules takes the forward's :class:`ForwardState` (from
    :meth:`forward_state`), so the simulation, the equivalent map and the Jacobian probe of one
    forward see the same dropout masks, restricted weights and BN statistics.
    """

    def __init__(self, streams: list[FeedbackStream], fusion: nn.Module | None = None):
        super().__init__()
        self.streams = nn.ModuleList(streams)
        self.fusion = fusion

    def synaptic_modules(self) -> list[SynapticModule]:
        return [m for m in self.modules() if isinstance(m, SynapticModule)]

    def forward_state(self) -> ForwardState:
        """A new forward's state: restricted weights (one power iteration in training) and BN snapshots."""
        weights, statistics = {}, {}
        for module in self.synaptic_modules():
            part = module.forward_state()
            weights.update(part.weights)
            statistics.update(part.statistics)
        return ForwardState(weights, statistics)

    def fuse(self, currents: list[Tensor], state: ForwardState, bn: BNStats = BNStats.DEFAULT) -> list[Tensor]:
        return currents if self.fusion is None else self.fusion(currents, state, bn)

    def input_currents(self, x: Tensor, state: ForwardState, bn: BNStats = BNStats.DEFAULT,
                       statistics: tuple[Tensor, Tensor] | None = None) -> list[Tensor]:
        """Each stream's input current ``X_i(x)`` (streams without real input ignore ``x``'s values);
        ``statistics`` are stream 0's spike-input BN statistics for ``bn=BNStats.GIVEN``."""
        return [stream.input_module(x, state, bn, statistics) for stream in self.streams]

    def feedback_currents(self, currents: list[Tensor], last: list[Tensor | None], state: ForwardState,
                          bn: BNStats = BNStats.DEFAULT) -> list[Tensor]:
        """``c_i = X_i + W_i(last_i)``; a stream whose ``last_i`` is None (step 0) gets no feedback."""
        return [c if s is None or stream.feedback is None else c + stream.feedback(s, state, bn)
                for stream, c, s in zip(self.streams, currents, last)]

    def equivalent_map(self, rates: list[Tensor | None], currents: list[Tensor], v_threshold: float,
                       state: ForwardState, hidden_bn: BNStats = BNStats.DEFAULT) -> list[Tensor]:
        """f(a): one analog pass through every stream, given last-layer rates and input currents."""
        layer1 = self.fuse(self.feedback_currents(currents, rates, state, hidden_bn), state, hidden_bn)
        outputs = []
        for stream, current in zip(self.streams, layer1):
            rate = double_bounded_relu(current / v_threshold)
            for layer in stream.layers:
                rate = double_bounded_relu(layer(rate, state, hidden_bn) / v_threshold)
            outputs.append(rate)
        return outputs


def pack(rates: list[Tensor]) -> Tensor:
    """Concatenate per-stream rates into one ``(B, D)`` state for the solvers."""
    return torch.cat([r.flatten(1) for r in rates], dim=1)


def unpack(state: Tensor, like: list[Tensor]) -> list[Tensor]:
    """Inverse of :func:`pack`, shaped like ``like``."""
    sizes = [r[0].numel() for r in like]
    return [part.reshape(r.shape) for part, r in zip(state.split(sizes, dim=1), like)]
