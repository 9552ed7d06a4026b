"""The T-step simulation: it approaches the fixed point of f, runs exactly T steps (or stops at
forward_tol), feeds event frames one per step with feedforward in the same step and feedback one
step late, and rounds rates with a half-threshold start."""

import pytest
import torch
from torch import nn

from mpis.config import (
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
)
from mpis.models import build_model
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream
from mpis.snn.simulation import simulate
from mpis.snn.synaptic_module import SynapticModule
from tests.mpis.digits_models import digits_batch, model_config


def _identity_synapse(size, scale=1.0):
    module = SynapticModule(nn.Linear(size, size, bias=False), batch_norm=False, dropout=0.0)
    with torch.no_grad():
        module.op.weight.copy_(scale * torch.eye(size))
    return module


def test_simulated_rates_approach_the_fixed_point_of_f_as_t_grows():
    torch.manual_seed(0)
    model = build_model(model_config(dropout=0.0)).double().eval()
    x = digits_batch()[0].double()
    state = model.snn.forward_state()
    with torch.no_grad():
        currents = model.snn.input_currents(x, state)
        a_star = torch.zeros_like(currents[0])
        for _ in range(300):
            a_star = model.snn.equivalent_map([a_star], currents, 2.0, state)[0]

        def residual(steps):
            sim = simulate(model.snn, lambda k: currents, state=state, neuron=NeuronConfig(),
                           simulation=SimulationConfig(time_steps=steps))
            return ((sim.rates[0] - a_star).norm() / a_star.norm()).item()

        assert a_star.norm() > 0
        assert residual(200) < 0.3 * residual(20)


def test_simulation_runs_exactly_t_steps_by_default_and_stops_early_with_forward_tol():
    model = build_model(model_config(time_steps=60)).eval()
    x = digits_batch()[0]
    with torch.no_grad():
        assert model(x).simulation.steps == 60
        early = build_model(ModelConfig(
            preset="ide_digits_f64c5",
            simulation=SimulationConfig(time_steps=60, forward_tol=0.05, forward_min_steps=5))).eval()
        early.load_state_dict(model.state_dict())
        sim = early(x).simulation
    assert 5 <= sim.steps < 60 and sim.step_change[-1] < 0.05
    assert all(t >= 0.05 for t in sim.step_change[3:-1])  # it stopped at the first step below tol (after min)


def test_one_stream_fusion_free_network_is_a_plain_feedback_snn():
    snn = FeedbackSNN([FeedbackStream(SynapticModule(nn.Linear(2, 3), batch_norm=False, dropout=0.0), [],
                                      None)])
    currents = [torch.ones(1, 3)]
    assert snn.fuse(currents, snn.forward_state()) is currents


def test_event_frames_feed_one_per_step_feedforward_is_immediate_and_feedback_one_step_late():
    frames = torch.tensor([1.0, 0.0, 0.0, 0.0]).reshape(4, 1, 1)  # (T, B, D): one input spike at k = 0
    neuron = NeuronConfig(v_threshold=1.0, initial_potential=0.0)  # the papers' neuron: u starts at 0

    def run(feedback_scale):
        stream = FeedbackStream(_identity_synapse(1), [_identity_synapse(1)],
                                _identity_synapse(1, feedback_scale))
        snn = FeedbackSNN([stream])
        state = snn.forward_state()
        with torch.no_grad():
            return simulate(snn, lambda k: snn.input_currents(frames[k], state), state=state, neuron=neuron,
                            simulation=SimulationConfig(time_steps=4))

    silent, echo = run(0.5), run(1.0)
    # layer 2 fires in the same step as layer 1; with feedback 0.5 the echo never reaches V_th
    assert silent.spike_counts == [[1.0, 1.0]] and silent.rates[0].item() == 0.25
    # with feedback 1 the last layer's spike at k re-excites layer 1 at k + 1, every step
    assert echo.spike_counts == [[4.0, 4.0]] and echo.rates[0].item() == 1.0


@pytest.mark.parametrize("initial_potential, low, high", [(0.0, 0.0, 1.0), (0.5, -0.5, 0.5)])
def test_initial_potential_half_threshold_rounds_the_rate_instead_of_truncating_it(initial_potential, low, high):
    """Constant current I in [0, V_th] for T steps: count = floor(T I / V_th + u_0 / V_th), so the rate
    truncates I / V_th (u_0 = 0, error in [0, 1/T)) or rounds it (u_0 = V_th / 2, error in [-1/2T, 1/2T])."""
    steps, v_threshold = 7, 2.0
    currents = torch.linspace(0.0, v_threshold, 301).reshape(1, -1)
    snn = FeedbackSNN([FeedbackStream(_identity_synapse(301), [], None)])
    neuron = NeuronConfig(v_threshold=v_threshold, initial_potential=initial_potential)
    with torch.no_grad():
        rate = simulate(snn, lambda k: [currents], state=snn.forward_state(), neuron=neuron,
                        simulation=SimulationConfig(time_steps=steps)).rates[0]
    error = (currents / v_threshold - rate) * steps  # in units of 1/T
    assert error.min() >= low - 1e-5 and error.max() <= high + 1e-5
    assert error.max() - error.min() > 0.9  # the whole interval is reached: the bound is tight


def test_eval_mode_is_deterministic():
    model = build_model(model_config(time_steps=10)).eval()
    x = digits_batch()[0]
    with torch.no_grad():
        assert torch.equal(model(x).logits, model(x).logits)
