"""Simulated MPIS rates converge to the joint fixed point, per stream, and the paper's curves
(fixed-point residual per step) and the step changes reach the trainer."""

import dataclasses

import pytest
import torch

from mpis.config import ModelConfig, NeuronConfig, SimulationConfig
from mpis.metric_names import RATE_STEP_CHANGE_STREAM_PREFIX
from mpis.models.mpis_architecture import MPISArchitecture
from mpis.models.mpis_convergence import convergence_curves, step_change_metrics
from mpis.models.mpis_network import build_mpis_model
from mpis.snn.synaptic_module import BNStats

ARCHITECTURE = MPISArchitecture(in_channels=1, input_size=(12, 12), num_classes=3, streams=3, widths=(4, 6, 4),
                                stem_channels=3)


def _random_contractive_model(streams, time_steps, leak=1.0, seed=0):
    """Random weights and BN statistics, positive shifts (the streams fire), f a contraction; eval mode."""
    torch.manual_seed(seed)
    config = ModelConfig(preset="mpis_digits", dropout=0.0, neuron=NeuronConfig(leak=leak),
                         simulation=SimulationConfig(time_steps=time_steps))
    model = build_mpis_model(config, dataclasses.replace(ARCHITECTURE, streams=streams)).eval()
    with torch.no_grad():
        for module in model.snn.synaptic_modules():
            module.op.weight.mul_(0.6)
            if module.bn is not None:
                module.bn.running_var.uniform_(0.5, 2.0)
                module.bn.bias.uniform_(0.2, 1.5)
        for stream in model.snn.streams[1:]:
            stream.input_module.current.uniform_(0.2, 1.5)
    return model


def _fixed_point(model, x):
    """a* = f(a*) by iterating the equivalent map (every BN on running statistics, as in eval)."""
    snn = model.snn
    with torch.no_grad():
        state = snn.forward_state()
        currents = snn.input_currents(model.stem(x), state, BNStats.RUNNING)
        rates = [None] * len(snn.streams)
        for _ in range(200):
            new = snn.equivalent_map(rates, currents, 2.0, state, BNStats.RUNNING)
            change = 0.0 if rates[0] is None else max((n - r).abs().max().item() for n, r in zip(new, rates))
            rates = new
        assert change < 1e-6  # the random model is contractive
    return rates


def _simulate(model, x):
    with torch.no_grad():
        return model(x).simulation


def test_step_change_at_step_100_is_well_below_step_10_for_every_stream():
    model = _random_contractive_model(streams=3, time_steps=100)
    sim = _simulate(model, torch.rand(4, 1, 12, 12) * 3)
    assert all(counts[-1] > 0 for counts in sim.spike_counts)  # every stream fires
    for trace in sim.stream_step_changes + [sim.step_change]:
        assert len(trace) == 99  # steps 1..99 (index k - 1 holds step k)
        assert trace[-1] < 0.2 * trace[8]


@pytest.mark.parametrize("streams", [1, 3])
def test_simulated_rates_approach_the_joint_fixed_point_of_f(streams):
    x = torch.rand(4, 1, 12, 12) * 3
    short, long = (_random_contractive_model(streams, t) for t in (10, 100))
    a_star = _fixed_point(long, x)
    assert all(a.sum() > 0 for a in a_star)

    def error(sim):
        return sum((r - a).norm() ** 2 for r, a in zip(sim.rates, a_star)).sqrt().item()

    assert error(_simulate(long, x)) < 0.3 * error(_simulate(short, x))


def test_curves_are_the_fixed_point_residual_per_step_named_singleres_and_mulres_n():
    x = torch.rand(2, 1, 12, 12) * 3
    single = convergence_curves(_random_contractive_model(1, 6), x)
    model = _random_contractive_model(3, 40)
    multi = convergence_curves(model, x)
    assert list(single.residual) == ["SingleRes"] and list(multi.residual) == ["MulRes 1", "MulRes 2", "MulRes 3"]
    assert len(single.residual["SingleRes"]) == 6 and len(single.step_change["SingleRes"]) == 5
    # the last value is ||f(a) - a|| / ||a|| of the simulated rates, f the simulated map (running BN)
    sim = _simulate(model, x)
    with torch.no_grad():
        state = model.snn.forward_state()
        image = model.snn.equivalent_map(sim.rates, model.snn.input_currents(model.stem(x), state, BNStats.RUNNING),
                                         2.0, state, BNStats.RUNNING)
    for i, name in enumerate(multi.residual):
        expected = ((image[i] - sim.rates[i]).norm() / sim.rates[i].norm()).item()
        assert multi.residual[name][-1] == pytest.approx(expected, rel=1e-5)
        assert multi.residual[name][-1] < 0.5 * multi.residual[name][4]  # the rates approach the fixed point
    assert multi.step_change["MulRes 2"] == sim.stream_step_changes[1]
    metrics = step_change_metrics(sim)
    assert list(metrics) == [f"{RATE_STEP_CHANGE_STREAM_PREFIX}{i}" for i in range(3)]
    assert metrics[f"{RATE_STEP_CHANGE_STREAM_PREFIX}2"] == sim.stream_step_changes[2][-1]
