"""The windowed spiking mixer: gradients in every mode, membranes carried over windows, time and blocks."""

import pytest
import torch

from mpis.models.gsnn.cells import CELL_KINDS
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.fusion import FUSION_MODES
from mpis.models.gsnn.mixer import WindowSpikingMixer
from mpis.models.gsnn.windows import window_geometry

DIM, SIDE = 4, 8


def _mixer(kind="regular", **fields):
    torch.manual_seed(0)
    return WindowSpikingMixer(DIM, window_geometry(SIDE, kind, 0.75), GSNNConfig(**fields))


def _input(scale=2.0, seed=1):
    return scale * torch.rand(2, SIDE, SIDE, DIM, generator=torch.Generator().manual_seed(seed))


def _loss(tokens):
    weights = torch.randn(tokens.shape, generator=torch.Generator().manual_seed(5))
    return (tokens * weights).sum()


@pytest.mark.parametrize("kind", ["regular", "dilated"])
@pytest.mark.parametrize("fusion_mode", FUSION_MODES)
@pytest.mark.parametrize("cell", CELL_KINDS)
def test_gradient_reaches_every_cell_weight(cell, fusion_mode, kind):
    mixer = _mixer(kind, cell=cell, fusion_mode=fusion_mode)
    torch.manual_seed(2)
    _loss(mixer(_input()).tokens).backward()
    for name, parameter in mixer.cell.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


@pytest.mark.parametrize("fill", ["keep", "zero"])
@pytest.mark.parametrize("time_steps", [1, 3])
@pytest.mark.parametrize("cell", ["cnn", "lstm"])
def test_gradient_reaches_the_cell_through_region_threshold_and_time(cell, time_steps, fill):
    mixer = _mixer("dilated", cell=cell, region_threshold=0.1, region_fill=fill, time_steps=time_steps)
    torch.manual_seed(2)
    _loss(mixer(_input()).tokens).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in mixer.cell.parameters())


@pytest.mark.parametrize("cell", ["cnn", "lstm", "gru"])
@pytest.mark.parametrize("encoder, reaches_input", [("bernoulli", False), ("bernoulli_st", True),
                                                    ("direct", True)])
def test_gradient_reaches_the_cell_input_only_through_differentiable_encoders(cell, encoder, reaches_input):
    mixer = _mixer("dilated", cell=cell, encoder=encoder)
    x = torch.rand(2, SIDE, SIDE, DIM, requires_grad=True)
    _loss(mixer(x).tokens).backward()
    if reaches_input:
        assert x.grad is not None and x.grad.abs().sum() > 0
    else:
        assert x.grad is None


def _constant_current_mixer(time_steps):
    """CNN mixer whose layer 1 gets I = 0.305 everywhere: the chain 0.305, 0.427, 0.476, 0.495 stays
    below V_th = 0.5 for one sweep of 4 windows, and crosses it (0.503) at the 5th window step."""
    mixer = _mixer("regular", cell="cnn", encoder="direct", time_steps=time_steps)
    with torch.no_grad():
        mixer.cell.conv1.weight.zero_()
        mixer.cell.conv1.bias.fill_(0.305)
    return mixer


def test_more_time_steps_carry_membranes_across_sweeps():
    x = torch.rand(1, SIDE, SIDE, DIM)
    one, two = _constant_current_mixer(1)(x), _constant_current_mixer(2)(x)
    assert one.spike_counts["lif1"].spikes == 0
    assert two.spike_counts["lif1"].spikes > 0  # only a potential carried from sweep 1 can fire
    assert two.spike_counts["lif1"].neurons == 2 * one.spike_counts["lif1"].neurons
    assert not torch.allclose(one.tokens, two.tokens)


@pytest.mark.parametrize("cell", ["cnn", "lstm"])
def test_two_time_steps_differ_from_one_on_a_deterministic_input(cell):
    x = _input(scale=4.0)
    one = _mixer("dilated", cell=cell, encoder="direct")(x)
    two = _mixer("dilated", cell=cell, encoder="direct", time_steps=2)(x)  # same weights (seed 0)
    assert not torch.allclose(one.tokens, two.tokens)


def test_recurrent_mixer_carries_a_membrane_map_and_the_cnn_mixer_does_not():
    x = _input()
    lstm = _mixer("dilated", cell="lstm", encoder="direct")
    fresh = lstm(x)
    assert fresh.membrane_map.shape == (2, SIDE, SIDE, 2 * DIM)
    carried = lstm(x, 3 * torch.rand(2, SIDE, SIDE, 2 * DIM))
    assert not torch.allclose(fresh.tokens, carried.tokens)  # the incoming potentials matter
    torch.testing.assert_close(lstm(x, torch.zeros(2, SIDE, SIDE, 2 * DIM)).tokens, fresh.tokens)
    assert _mixer("dilated", cell="cnn")(x).membrane_map is None


def test_a_forward_leaves_no_state_on_the_module():
    mixer = _mixer("dilated", cell="lstm", encoder="direct")
    x = _input()
    before = dict(vars(mixer))
    first = mixer(x)
    assert dict(vars(mixer)).keys() == before.keys()
    torch.testing.assert_close(mixer(x).tokens, first.tokens)


def test_spike_counts_cover_every_window_evaluation():
    mixer = _mixer("dilated", cell="cnn", time_steps=2)
    counts = mixer(_input()).spike_counts
    assert set(counts) == {"encoder", "lif1", "lif2"}
    assert counts["lif1"].neurons == 2 * 2 * 4 * 6 * 6 * DIM  # T x batch x windows x M^2 x channels
    assert 0 < counts["encoder"].rate <= 1


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_unidirectional_recurrent_cells_hand_on_h_channels(cell):
    mixer = _mixer("dilated", cell=cell, bidirectional=False)
    output = mixer(_input())
    assert mixer.membrane_channels == DIM and output.membrane_map.shape == (2, SIDE, SIDE, DIM)
    assert output.tokens.shape == (2, SIDE, SIDE, DIM)
