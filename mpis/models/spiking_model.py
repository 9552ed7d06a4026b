"""One model class for IDE, MPIS and their BPTT baselines: ``stem -> feedback SNN -> head``.

* ``gradient="implicit"`` (IDE, MPIS): the T-step simulation runs under no-grad with hidden BNs on
  running statistics (the input BN on batch statistics without an update, or the spike-input
  statistics of §1.3); the equivalent map is then applied once with grad at the simulated rates
  (every BN in its normal mode: one running-statistics update per training step), and the implicit
  gradient is attached (§4.2). The value passed to the head is the simulated rate.
* ``gradient="bptt"``: the same simulation is unrolled with gradients, a surrogate spike derivative
  and ordinary BatchNorm; memory grows with T.

Inputs: static ``(B, *input_shape)``, used as the same current at every step; events
``(B, T, C, H, W)``, one frame per step (turned time-first inside).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from mpis.config import ModelConfig
from mpis.implicit import BackwardRecord, attach_implicit_gradient
from mpis.neurons import firing_rate
from mpis.snn.feedback_snn import FeedbackSNN, pack, unpack
from mpis.snn.simulation import SimulationResult, simulate
from mpis.snn.synaptic_module import BNStats
from mpis.solvers import bind_backward_solver
from mpis.surrogates import surrogate_spike_function


class ModelOutput(NamedTuple):
    logits: Tensor
    simulation: SimulationResult  # rates, convergence traces, spike counts
    backward: BackwardRecord | None  # filled when loss.backward() runs (implicit gradient only)


class SpikingModel(nn.Module):
    def __init__(self, config: ModelConfig, snn: FeedbackSNN, head: nn.Module, *,
                 stem: nn.Module | None = None, events: bool = False):
        super().__init__()
        self.config = config
        self.stem = stem
        self.snn = snn
        self.head = head
        self.events = events

    def forward(self, x: Tensor) -> ModelOutput:
        self.snn.begin_forward()
        if self.events:
            x = x.transpose(0, 1)  # (T, B, ...)
            steps = self.config.simulation.time_steps
            if x.shape[0] != steps:
                raise ValueError(f"event input has {x.shape[0]} frames but time_steps={steps}")
        elif self.stem is not None:
            x = self.stem(x)
        if self.config.gradient == "bptt":
            return self._forward_bptt(x)
        return self._forward_implicit(x)

    def _simulation_inputs(self, x: Tensor, bn):
        """``k -> input currents``: static inputs are encoded once, events one frame per step."""
        if self.events:
            return lambda k: self.snn.input_currents(x[k], bn)
        currents = self.snn.input_currents(x, bn)
        return lambda k: currents

    def _forward_implicit(self, x: Tensor) -> ModelOutput:
        neuron = self.config.neuron
        with torch.no_grad():
            input_bn = self._spike_statistics(x) if self.events else BNStats.BATCH_NO_UPDATE
            sim = simulate(self.snn, self._simulation_inputs(x, input_bn), neuron=neuron,
                           simulation=self.config.simulation)
        if not torch.is_grad_enabled():
            return ModelOutput(self.head(sim.rates), sim, None)
        mean_input = firing_rate(x, neuron.leak) if self.events else x
        currents = self.snn.input_currents(mean_input, BNStats.DEFAULT)
        z_f = pack(self.snn.equivalent_map(sim.rates, currents, neuron.v_threshold))
        probe = self._probe(sim.rates, [c.detach() for c in currents])
        backward = self.config.backward
        out, record = attach_implicit_gradient(z_f, pack(sim.rates), probe,
                                               bind_backward_solver(backward), backward.name)
        return ModelOutput(self.head(unpack(out, sim.rates)), sim, record)

    def _spike_statistics(self, frames: Tensor):
        """Training: BN statistics of conv(x_bar) for every frame (§1.3); eval: running statistics."""
        if not self.training:
            return BNStats.RUNNING
        mean_frames = firing_rate(frames, self.config.neuron.leak)
        return self.snn.streams[0].input_module.spike_statistics(mean_frames)

    def _probe(self, like: list[Tensor], currents: list[Tensor]):
        """f(z) for the Jacobian: this forward's masks and weights, hidden BNs on running statistics."""
        state, v_threshold = self.snn.forward_state(), self.config.neuron.v_threshold

        def probe(z: Tensor) -> Tensor:
            with self.snn.using_forward_state(state):
                rates = self.snn.equivalent_map(unpack(z, like), currents, v_threshold, BNStats.RUNNING)
            return pack(rates)

        return probe

    def _forward_bptt(self, x: Tensor) -> ModelOutput:
        spike_fn = surrogate_spike_function(self.config.surrogate)
        sim = simulate(self.snn, self._simulation_inputs(x, BNStats.DEFAULT), neuron=self.config.neuron,
                       simulation=self.config.simulation, spike_fn=spike_fn, hidden_bn=BNStats.DEFAULT)
        return ModelOutput(self.head(sim.rates), sim, None)
