"""One model class for IDE, MPIS and their BPTT baselines: ``stem -> feedback SNN -> head``.

* ``gradient="implicit"`` (IDE, MPIS): the T-step simulation runs under no-grad with hidden BNs on
  this forward's snapshot of the running statistics (the input BN on batch statistics without an
  update, or the spike-input statistics of §1.3); the equivalent map is then applied once with grad
  at the simulated rates and the implicit gradient is attached (§4.2). The value passed to the head
  is the simulated rate. In that equivalent pass the hidden BNs use, by ``ModelConfig.hidden_bn``:

  - ``"running"`` (default): the statistics the simulation used, followed by one running-statistics
    update from this batch without gradient. Simulation, f and the Jacobian probe are then one map,
    so the fixed-point residual measures how far the simulation got, and training and evaluation
    run the same network.
  - ``"batch"``: batch statistics with gradient and one update (ALGORITHMS.md §5.1, the papers'
    policy). f is then another map than the one simulated, and the residual has a floor however
    long the simulation runs (EQUILIBRIUM.md §1b).

* ``gradient="bptt"``: the same simulation is unrolled with gradients, a surrogate spike derivative
  and ordinary BatchNorm; memory grows with T.

Inputs: static ``(B, *input_shape)``, used as the same current at every step; events
``(B, T, C, H, W)``, one frame per step (turned time-first inside). A batch of another shape is
refused before anything is simulated.

:meth:`SpikingModel.calibrate_batch_norm` is the data-driven start: at initialisation the running
statistics are (0, 1) while the inputs of deeper spiking layers are spike-driven currents of far
smaller spread, so a simulation on them is silent; calibration sets them to the statistics of each
BN's input at the simulated equilibrium of a real batch.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import torch
from torch import Tensor, nn

from mpis.config import ModelConfig
from mpis.equilibrium import Equilibrium
from mpis.implicit import BackwardRecord, attach_implicit_gradient
from mpis.neurons import firing_rate
from mpis.snn.feedback_snn import FeedbackSNN, pack, unpack
from mpis.snn.simulation import SimulationResult, compile_once, simulate
from mpis.snn.synaptic_module import BNStats, ForwardState
from mpis.solvers import bind_backward_solver
from mpis.surrogates import surrogate_spike_function

CALIBRATION_ROUNDS = 3  # each round re-simulates with the statistics of the previous one


class ModelOutput(NamedTuple):
    logits: Tensor
    simulation: SimulationResult  # rates, step changes, spike counts
    backward: BackwardRecord | None = None  # filled when loss.backward() runs (implicit gradient only)
    equilibrium: Equilibrium | None = None  # implicit training forward only: a, f(a) and the probe


class SpikingModel(nn.Module):
    def __init__(self, config: ModelConfig, snn: FeedbackSNN, head: nn.Module, *,
                 stem: nn.Module | None = None, events: bool = False,
                 input_shape: tuple[int, ...] | None = None):
        super().__init__()
        self.config = config
        self.stem = stem
        self.snn = snn
        self.head = head
        self.events = events
        self.input_shape = input_shape  # per sample (static) or per frame (events); None: unchecked

    def forward(self, x: Tensor) -> ModelOutput:
        self._check_input(x)
        state = self.snn.forward_state()  # masks, restricted weights, BN snapshot: one per forward
        x = self._encode(x)
        if self.config.gradient == "bptt":
            return self._forward_bptt(x, state)
        return self._forward_implicit(x, state)

    def compiled(self, device: torch.device) -> bool:
        """Whether the simulation steps and f run compiled (``ModelConfig.compile``; "auto": on CUDA)."""
        return self.config.compile == "on" or (self.config.compile == "auto" and device.type == "cuda")

    def _equivalent_map(self, device: torch.device, double_backward: bool = False):
        """``FeedbackSNN.equivalent_map``, compiled when :meth:`compiled` (never for a graph that is
        differentiated twice, the Jacobian penalty's: compiled graphs have no double backward)."""
        if self.compiled(device) and not double_backward:
            return compile_once(FeedbackSNN.equivalent_map)  # one graph; its backward is compiled with it
        return FeedbackSNN.equivalent_map

    def _check_input(self, x: Tensor) -> None:
        if self.input_shape is None:
            return
        expected = ((self.config.simulation.time_steps, *self.input_shape) if self.events
                    else tuple(self.input_shape))
        if x.dim() != len(expected) + 1 or tuple(x.shape[1:]) != expected:
            layout = "(B, T, C, H, W) event frames" if self.events else "a batch"
            raise ValueError(f"input shape {tuple(x.shape)} is invalid for preset {self.config.preset!r}; "
                             f"allowed: {layout} of shape (B, {', '.join(map(str, expected))})")

    def _encode(self, x: Tensor) -> Tensor:
        """Events become time-first ``(T, B, ...)``; static images go through the stem, if any."""
        if self.events:
            return x.transpose(0, 1)
        return x if self.stem is None else self.stem(x)

    def _simulation_inputs(self, x: Tensor, state: ForwardState, bn: BNStats,
                           statistics: tuple[Tensor, Tensor] | None = None):
        """``k -> input currents``: static inputs are encoded once, events one frame per step."""
        if self.events:
            return lambda k: self.snn.input_currents(x[k], state, bn, statistics)
        currents = self.snn.input_currents(x, state, bn, statistics)
        return lambda k: currents

    @torch.no_grad()
    def _simulate_implicit(self, x: Tensor, state: ForwardState) -> tuple[SimulationResult, Tensor]:
        """The no-grad simulation, and the input that f sees (events: the frames actually simulated).

        Event input with ``forward_tol > 0`` in training: when the simulation stopped before the
        last frame, it is run again over exactly the frames it used, with the spike-input BN
        statistics of those frames, so simulation and f see the same input.
        """
        neuron, simulation = self.config.neuron, self.config.simulation
        inputs = self._simulation_inputs(x, state, *self._input_bn(x, state))
        sim = simulate(self.snn, inputs, state=state, neuron=neuron, simulation=simulation,
                       compiled=self.compiled(x.device))
        if self.events and self.training and sim.steps < x.shape[0]:
            x = x[:sim.steps]
            used = dataclasses.replace(simulation, time_steps=sim.steps, forward_tol=0.0)
            inputs = self._simulation_inputs(x, state, *self._input_bn(x, state))
            sim = simulate(self.snn, inputs, state=state, neuron=neuron, simulation=used,
                           compiled=self.compiled(x.device))
        return sim, x

    def _mean_input(self, x: Tensor) -> Tensor:
        """The input of f: the image (or stem output), or the (weighted) average of the frames."""
        return firing_rate(x, self.config.neuron.leak) if self.events else x

    def _forward_implicit(self, x: Tensor, state: ForwardState) -> ModelOutput:
        sim, x = self._simulate_implicit(x, state)
        if not torch.is_grad_enabled():
            return ModelOutput(self.head(sim.rates), sim)
        config = self.config
        currents = self.snn.input_currents(self._mean_input(x), state, BNStats.DEFAULT)
        point = pack(sim.rates)
        leaf = point.clone().requires_grad_() if config.jacobian_reg > 0 else point
        hidden_bn = BNStats.RUNNING_UPDATE if config.hidden_bn == "running" else BNStats.DEFAULT
        equivalent_map = self._equivalent_map(x.device, double_backward=config.jacobian_reg > 0)
        z_f = pack(equivalent_map(self.snn, unpack(leaf, sim.rates), currents, config.neuron.v_threshold,
                                  state, hidden_bn))
        probe = self._probe(sim.rates, [c.detach() for c in currents], state)
        out, record = attach_implicit_gradient(z_f, point, probe, bind_backward_solver(config.backward),
                                               config.backward.name)
        equilibrium = Equilibrium(point, z_f, [r[0].numel() for r in sim.rates], probe,
                                  leaf if config.jacobian_reg > 0 else None, state)
        return ModelOutput(self.head(unpack(out, sim.rates)), sim, record, equilibrium)

    def _input_bn(self, x: Tensor, state: ForwardState) -> tuple[BNStats, tuple[Tensor, Tensor] | None]:
        """The input BN of the simulation: static input, batch statistics without update; spike input
        in training, the statistics of conv(x_bar) for every frame (§1.3); eval, running statistics."""
        if not self.events:
            return BNStats.BATCH_NO_UPDATE, None
        if not self.training:
            return BNStats.RUNNING, None
        mean_frames = firing_rate(x, self.config.neuron.leak)
        return BNStats.GIVEN, self.snn.streams[0].input_module.spike_statistics(mean_frames, state)

    def _probe(self, like: list[Tensor], currents: list[Tensor], state: ForwardState):
        """f(z) for the Jacobian: this forward's state (masks, weights, the BN snapshot). Always eager:
        a compiled graph's backward computes every input's gradient, the parameters' too, in each VJP."""
        v_threshold, equivalent_map = self.config.neuron.v_threshold, FeedbackSNN.equivalent_map

        def probe(z: Tensor) -> Tensor:
            return pack(equivalent_map(self.snn, unpack(z, like), currents, v_threshold, state, BNStats.RUNNING))

        return probe

    def _forward_bptt(self, x: Tensor, state: ForwardState) -> ModelOutput:
        spike_fn = surrogate_spike_function(self.config.surrogate)
        sim = simulate(self.snn, self._simulation_inputs(x, state, BNStats.DEFAULT), state=state,
                       neuron=self.config.neuron, simulation=self.config.simulation, spike_fn=spike_fn,
                       hidden_bn=BNStats.DEFAULT, compiled=self.compiled(x.device))
        return ModelOutput(self.head(sim.rates), sim)

    @torch.no_grad()
    def fixed_point_residual_per_step(self, inputs: Tensor) -> tuple[SimulationResult, list[list[float]]]:
        """Simulate in eval mode and, after every step k, measure ``||f(a[k]) - a[k]|| / ||a[k]||``
        with f the map the simulation runs (running statistics). Returns the simulation and, per
        step, ``[joint, stream 0, ...]``. Costs one extra pass of f per step: a diagnostic."""
        self._check_input(inputs)
        was_training = self.training
        self.eval()
        state = self.snn.forward_state()
        x = self._encode(inputs)
        v_threshold, leak = self.config.neuron.v_threshold, self.config.neuron.leak
        static = None if self.events else self.snn.input_currents(x, state, BNStats.RUNNING)
        per_step: list[Tensor] = []

        def measure(k: int, rates: list[Tensor]) -> None:
            currents = static if static is not None else \
                self.snn.input_currents(firing_rate(x[:k + 1], leak), state, BNStats.RUNNING)
            image = self.snn.equivalent_map(rates, currents, v_threshold, state, BNStats.RUNNING)
            point = pack(rates)
            per_step.append(Equilibrium(point, pack(image), [r[0].numel() for r in rates], None).residuals())

        sim = simulate(self.snn, self._simulation_inputs(x, state, BNStats.RUNNING), state=state,
                       neuron=self.config.neuron, simulation=self.config.simulation, on_step=measure)
        self.train(was_training)
        return sim, torch.stack(per_step).tolist()

    @torch.no_grad()
    def calibrate_batch_norm(self, inputs: Tensor, rounds: int = CALIBRATION_ROUNDS) -> None:
        """Set every hidden BN's running statistics (spiking layers and fusion paths) to the batch
        statistics of its input in f at the simulated equilibrium of ``inputs``; repeated ``rounds``
        times, since the equilibrium moves with the statistics. Training mode (dropout masks as in
        training, drawn under a forked RNG so the training's random stream is untouched). The input
        BN keeps its own policy (batch statistics in training). BPTT models normalise with batch
        statistics at every step and need none of this: a no-op for them.
        """
        if self.config.gradient != "implicit":
            return
        self._check_input(inputs)
        was_training = self.training
        devices = [inputs.device] if inputs.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            self.train()
            for _ in range(rounds):
                state = self.snn.forward_state()
                sim, x = self._simulate_implicit(self._encode(inputs), state)
                currents = self.snn.input_currents(self._mean_input(x), state, BNStats.BATCH_NO_UPDATE)
                self.snn.equivalent_map(sim.rates, currents, self.config.neuron.v_threshold, state, BNStats.CALIBRATE)
        self.train(was_training)
