"""IF/LIF step functions and rate readout."""

import pytest
import torch

from mpis.neurons import (
    firing_rate,
    if_step,
    lif_step,
    rate_normaliser,
    simulate_neuron,
)


def test_if_trajectory_matches_hand_computation():
    # V_th = 1, I = 0.6: u = 0.6, 1.2 -> fire, 0.2; 0.8; 1.4 -> fire, 0.4
    spikes = simulate_neuron(torch.full((4, 1), 0.6, dtype=torch.float64), v_threshold=1.0)
    assert spikes[:, 0].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_lif_leaks_after_soft_reset():
    # leak 0.5: 0.6 -> 0.3; 0.9 -> 0.45; 1.05 fires -> 0.05 -> 0.025; 0.625
    currents = torch.full((4, 1), 0.6, dtype=torch.float64)
    potential = torch.zeros(1, dtype=torch.float64)
    trace = []
    for current in currents:
        spike, potential = lif_step(current, potential, 1.0, 0.5)
        trace.append((spike.item(), round(potential.item(), 10)))
    assert trace == [(0.0, 0.3), (0.0, 0.45), (1.0, 0.025), (0.0, 0.3125)]


def test_tie_fires_and_inputs_are_not_mutated():
    current, potential = torch.tensor([2.0]), torch.tensor([0.0])
    spike, new_potential = if_step(current, potential, 2.0)
    assert spike.item() == 1.0 and new_potential.item() == 0.0
    assert potential.item() == 0.0 and current.item() == 2.0


def test_if_rate_under_constant_current_is_within_one_over_t_of_the_clamp():
    v_threshold, steps = 2.0, 50
    currents = torch.linspace(-1.0, 3.0, 401, dtype=torch.float64)
    rates = firing_rate(simulate_neuron(currents.expand(steps, -1), v_threshold))
    expected = (currents / v_threshold).clamp(0, 1)
    assert (rates - expected).abs().max().item() <= 1.0 / steps + 1e-12


def test_lif_rate_is_the_leak_weighted_average():
    leak, spikes = 0.9, (torch.rand(7, 3, generator=torch.Generator().manual_seed(0)) > 0.5).double()
    weights = torch.tensor([leak ** (6 - k) for k in range(7)], dtype=torch.float64)
    expected = (weights[:, None] * spikes).sum(0) / weights.sum()
    torch.testing.assert_close(firing_rate(spikes, leak), expected)
    assert rate_normaliser(7, leak) == pytest.approx(weights.sum().item(), rel=1e-12)


def test_leak_one_is_if_count_over_t():
    spikes = torch.tensor([[1.0], [0.0], [1.0], [1.0]])
    assert firing_rate(spikes, 1.0).item() == 0.75 and rate_normaliser(4, 1.0) == 4.0

