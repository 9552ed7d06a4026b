"""Every (streams, depth) builds and trains on 28x28, 32x32 and 34x34, or is refused."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from mpis.config import ModelConfig, SimulationConfig, SolverConfig
from mpis.models.mpis_architecture import MPISArchitecture
from mpis.models.mpis_network import build_mpis_model

GRID = list(itertools.product([1, 2, 3, 4], [2, 3, 4, 5], [28, 32, 34]))



def _config(streams, depth, time_steps=2):
    return ModelConfig(preset="mpis_digits", streams=streams, depth=depth, dropout=0.1,
                       simulation=SimulationConfig(time_steps=time_steps),
                       backward=SolverConfig(name="broyden", max_iter=3))


def _static(size):
    return MPISArchitecture(in_channels=1, input_size=(size, size), num_classes=3, widths=(2, 3, 2),
                            stem_channels=2, stem_stride=2)


def _events(size):
    return MPISArchitecture(in_channels=2, input_size=(size, size), num_classes=3, widths=(2, 3, 2),
                            stride_layer=1, events=True)


def _train_step(model, x):
    output = model.train()(x)
    F.cross_entropy(output.logits, torch.tensor([0, 2])).backward()
    return output


@pytest.mark.parametrize("streams, depth, size", GRID)
def test_static_mpis_builds_runs_forward_and_backward(streams, depth, size):
    torch.manual_seed(0)
    model = build_mpis_model(_config(streams, depth), _static(size))
    output = _train_step(model, torch.rand(2, 1, size, size))
    stream_in = (size + 1) // 2  # the stem halves the image
    assert output.logits.shape == (2, 3) and len(output.simulation.rates) == streams
    assert [s.depth for s in model.snn.streams] == [depth] * streams
    for i, rate in enumerate(output.simulation.rates):
        expected = stream_in
        for _ in range(i + 1):  # i stream halvings, then the stream's strided layer
            expected = (expected + 1) // 2
        assert rate.shape[-2:] == (expected, expected)
    assert output.backward.calls == 1
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("streams, depth, size", GRID)
def test_event_mpis_builds_runs_forward_and_backward(streams, depth, size):
    torch.manual_seed(0)
    model = build_mpis_model(_config(streams, depth), _events(size))
    frames = (torch.rand(2, 2, 2, size, size) < 0.3).float()  # (B, T, C, H, W)
    output = _train_step(model, frames)
    assert output.logits.shape == (2, 3) and output.backward.calls == 1
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("size, streams, most", [(8, 4, 3), (4, 3, 2), (3, 3, 2), (2, 2, 1)])
def test_too_many_halvings_are_refused_at_build_time(size, streams, most):
    architecture = MPISArchitecture(in_channels=1, input_size=(size, size), num_classes=3, widths=(2, 2))
    with pytest.raises(ValueError, match=rf"^streams={streams} is invalid; allowed: at most {most} for a "
                                         rf"{size}x{size} input \(stream resolutions would be "):
        build_mpis_model(_config(streams, 2), architecture)
    build_mpis_model(_config(most, 2), architecture)  # one stream fewer is fine
