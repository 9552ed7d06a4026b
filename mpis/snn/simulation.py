"""The T-step simulation of a feedback SNN (ALGORITHMS.md §1.5).

Per step k: each stream's layer-1 current is its input current plus the feedback of its last
layer's spikes from step k-1 (none at k = 0), fused across streams; layers 2..N then fire in order
within the same step. Each stream's last-layer spikes are accumulated into the (weighted) rate.
The per-step **step change** ``||a[k] - a[k-1]|| / ||a[k]||`` of the running-average rate is
recorded over the joint rates (and per stream); with ``forward_tol > 0`` the loop stops once it
falls below ``forward_tol`` (after at least ``forward_min_steps`` steps). The step change of an
average of k terms is at most about 1/k by construction, so it says when the average stops moving,
not how far it is from the fixed point (that is ``mpis.equilibrium``'s fixed-point residual).
``on_step(k, rates)`` sees the running rates after every step (diagnostics, e.g. the residual per
step of the convergence figure).

One step is :func:`simulation_step`, a pure function of the carried state (spikes of the last
layers, potentials, rate sums, spike maps); ``compiled=True`` (``ModelConfig.compile``) runs it
through ``torch.compile`` as one graph per step shape, with the same spikes as eager (BPTT's
batch-statistics BN up to rounding ties at the threshold).

The implicit models call this under ``torch.no_grad()`` with hidden BNs on running statistics;
the BPTT baseline calls it with gradients, a surrogate spike function and ordinary BN.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from mpis.config import NeuronConfig, SimulationConfig
from mpis.neurons import (
    SpikeFunction,
    accumulate_rate,
    heaviside,
    neuron_step,
    rate_normaliser,
)
from mpis.snn.feedback_snn import FeedbackSNN
from mpis.snn.synaptic_module import BNStats, ForwardState


@dataclass
class SimulationResult:
    rates: list[Tensor]  # per stream: last-layer (weighted) rate, shaped like that layer's output
    steps: int  # steps actually run (< T only with forward_tol)
    step_change: list[float]  # joint ||a[k]-a[k-1]|| / ||a[k]|| for k = 1..steps-1
    stream_step_changes: list[list[float]]  # the same per stream
    spike_counts: list[list[float]]  # per stream, per layer: total spikes over batch and steps
    layer_neurons: list[list[int]]  # per stream, per layer: neurons per sample
    spike_maps: list[list[Tensor]] | None = None  # per stream, per layer: spikes per neuron summed over
    # batch and steps, shaped like one sample's layer (the readout's input in operation counts)

    def layer_firing_rates(self) -> list[list[float]]:
        """Unweighted count / steps per neuron, averaged over neurons and samples (§6)."""
        batch = self.rates[0].shape[0]
        return [[count / (self.steps * batch * n) for count, n in zip(counts, neurons)]
                for counts, neurons in zip(self.spike_counts, self.layer_neurons)]


def _relative_changes(new: list[Tensor], old: list[Tensor]) -> list[Tensor]:
    """``[joint, stream 0, stream 1, ...]`` of ``||a[k] - a[k-1]|| / ||a[k]||``, each norm taken once."""
    changes = torch.stack([(n.detach() - o.detach()).square().sum() for n, o in zip(new, old)])
    sizes = torch.stack([n.detach().square().sum() for n in new])
    ratios = torch.cat([changes.sum().reshape(1) / sizes.sum().clamp_min(1e-30),
                        changes / sizes.clamp_min(1e-30)])
    return list(torch.sqrt(ratios))


def simulation_step(snn: FeedbackSNN, inputs: list[Tensor], last: list[Tensor | None],
                    potentials: list[list[Tensor | None]], sums: list[Tensor | None],
                    maps: list[list[Tensor | float]], state: ForwardState, hidden_bn: BNStats,
                    v_threshold: float, leak: float, start: float, spike_fn: SpikeFunction):
    """One step of every stream, as a pure function of the state it carries: returns the new
    ``(last, potentials, sums, maps)``. Layer 1 gets the fused current, layer l the spikes of l-1."""
    layer1 = snn.fuse(snn.feedback_currents(inputs, last, state, hidden_bn), state, hidden_bn)
    new_last, new_potentials, new_sums, new_maps = [], [], [], []
    for i, (stream, current) in enumerate(zip(snn.streams, layer1)):
        stream_potentials, stream_maps = [], []
        for depth in range(stream.depth):
            if depth > 0:
                current = stream.layers[depth - 1](spikes, state, hidden_bn)  # noqa: F821 (set at depth - 1)
            old = potentials[i][depth]
            spikes, potential = neuron_step(current, torch.full_like(current, start) if old is None else old,
                                            v_threshold, leak, spike_fn)
            stream_potentials.append(potential)
            stream_maps.append(maps[i][depth] + spikes.detach().sum(0))  # a reduction the count needs anyway
        new_last.append(spikes)
        new_potentials.append(stream_potentials)
        new_maps.append(stream_maps)
        new_sums.append(spikes.clone() if sums[i] is None else accumulate_rate(sums[i], spikes, leak))  # no alias
    return new_last, new_potentials, new_sums, new_maps


GRAPHS_PER_FUNCTION = 64  # Dynamo's default of 8 would run the third model of a process eagerly


@functools.cache
def compile_once(function: Callable) -> Callable:
    """``torch.compile(function)``, made on first use (so a process that never compiles never imports
    Dynamo), once per function: ``fullgraph`` (a graph break is an error), dropout masks drawn on first
    use from eager's random stream (``fallback_random``), so compiled and eager steps fire the same
    spikes (BPTT: up to rounding ties, since per-step batch statistics are reductions in an order
    Inductor chooses). Dynamo's cache is keyed by the function's code, so every model shares it; each
    model (each set of dropout-mask keys) adds its own graphs (the simulation step: step 0 without
    potentials, step 1 the first with feedback, the rest; f: two), hence a recompile limit of
    :data:`GRAPHS_PER_FUNCTION`, past which Dynamo would warn and run the function eagerly."""
    config = torch._dynamo.config
    config.recompile_limit = max(config.recompile_limit, GRAPHS_PER_FUNCTION)
    return torch.compile(function, fullgraph=True, dynamic=False, options={"fallback_random": True})


def simulate(snn: FeedbackSNN, input_currents: Callable[[int], list[Tensor]], *, state: ForwardState,
             neuron: NeuronConfig, simulation: SimulationConfig,
             spike_fn: SpikeFunction = heaviside, hidden_bn: BNStats = BNStats.RUNNING,
             on_step: Callable[[int, list[Tensor]], None] | None = None,
             compiled: bool = False) -> SimulationResult:
    """Run up to T steps. ``input_currents(k)`` gives each stream's input current at step k; every
    synaptic module is evaluated under the forward's ``state``. ``compiled``: every step runs
    ``compile_once(simulation_step)`` (``torch.compile``, no graph break), same spikes as eager."""
    vth, leak, start = neuron.v_threshold, neuron.leak, neuron.initial_potential * neuron.v_threshold
    streams = list(snn.streams)
    potentials: list[list[Tensor | None]] = [[None] * s.depth for s in streams]
    maps: list[list[Tensor | float]] = [[0.0] * s.depth for s in streams]
    last: list[Tensor | None] = [None] * len(streams)
    sums: list[Tensor | None] = [None] * len(streams)
    rates: list[Tensor] = []
    traces: list[list[Tensor]] = [[] for _ in range(len(streams) + 1)]
    step = compile_once(simulation_step) if compiled else simulation_step
    for k in range(simulation.time_steps):
        last, potentials, sums, maps = step(snn, input_currents(k), last, potentials, sums, maps, state,
                                            hidden_bn, vth, leak, start, spike_fn)
        new_rates = [s / rate_normaliser(k + 1, leak) for s in sums]
        if k > 0:
            for trace, change in zip(traces, _relative_changes(new_rates, rates)):
                trace.append(change)
        rates = new_rates
        if on_step is not None:
            on_step(k, rates)
        if (simulation.forward_tol > 0 and k + 1 >= simulation.forward_min_steps and k > 0
                and traces[0][-1].item() < simulation.forward_tol):
            break
    as_floats = [torch.stack(t).tolist() if t else [] for t in traces]
    return SimulationResult(
        rates=rates, steps=k + 1, step_change=as_floats[0], stream_step_changes=as_floats[1:],
        spike_counts=[[float(m.sum(dtype=torch.float64)) for m in row] for row in maps],
        layer_neurons=[[m.numel() for m in row] for row in maps], spike_maps=maps)
