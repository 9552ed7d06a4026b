"""Memory saved for backward: constant in T for MPIS, linear in T for BPTT."""

import pytest
import torch

from mpis.config import ModelConfig, SimulationConfig
from mpis.models import PRESETS, build_model
from mpis.saved_memory import saved_tensor_bytes


def _saved_bytes(preset, gradient, time_steps):
    torch.manual_seed(0)
    spec = PRESETS[preset]
    config = ModelConfig(preset=preset, gradient=gradient, simulation=SimulationConfig(time_steps=time_steps))
    model = build_model(config).train()
    shape = (2, time_steps, *spec.input_shape) if spec.events else (2, *spec.input_shape)
    inputs = (torch.rand(shape) < 0.2).float() if spec.events else torch.rand(shape)
    return saved_tensor_bytes(model, inputs, torch.tensor([0, 1]))


@pytest.mark.parametrize("preset", ["mpis_digits", "mpis_nmnist"])
def test_mpis_saves_the_same_bytes_for_backward_at_t_5_and_t_50(preset):
    sizes = [_saved_bytes(preset, "implicit", t) for t in (5, 50)]
    assert sizes[0] > 0 and sizes[0] == sizes[1]


@pytest.mark.parametrize("preset", ["mpis_digits", "cnn_digits", "ide_digits_f64c5", "cnn_nmnist"])
def test_bptt_saved_bytes_grow_by_the_same_amount_every_step(preset):
    sizes = [_saved_bytes(preset, "bptt", t) for t in (5, 25, 45)]
    assert sizes[1] - sizes[0] > 0
    assert sizes[2] - sizes[1] == pytest.approx(sizes[1] - sizes[0], rel=0.01)


@pytest.mark.parametrize("preset", ["mpis_digits", "mpis_nmnist", "cnn_digits", "cnn_nmnist"])
def test_bptt_memory_is_dominated_by_the_per_step_activations(preset):
    """For the MPIS and plain-CNN architectures the T-proportional part dominates: 10x T, > 5x bytes."""
    small, large = (_saved_bytes(preset, "bptt", t) for t in (5, 50))
    assert large > 5 * small


def test_mpis_saves_less_than_bptt_on_the_same_architecture_at_t_50():
    assert _saved_bytes("mpis_digits", "implicit", 50) < _saved_bytes("mpis_digits", "bptt", 50) / 5
