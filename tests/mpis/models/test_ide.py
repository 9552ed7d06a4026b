"""IDE presets: parameter and neuron counts equal the paper's exactly (ALGORITHMS.md §2.4)."""

import pytest
import torch

from mpis.config import (
    ModelConfig,
    SimulationConfig,
)
from mpis.models import PRESETS, build_model, count_parameters


@pytest.mark.parametrize("preset, expected", [
    ("ide_mnist_f64c5", 229_643), ("ide_fmnist_f400", 478_811), ("ide_nmnist_f64c5", 290_763),
    ("ide_cifar10_alexnetf", 3_709_515), ("ide_cifar100_alexnetf", 5_184_165),
    ("ide_cifar10_cifarnetf", 11_840_011), ("ide_cifar100_cifarnetf", 14_789_221)])
def test_ide_parameter_counts_match_the_paper(preset, expected):
    assert count_parameters(build_model(ModelConfig(preset=preset))) == expected


@pytest.mark.parametrize("preset, expected", [
    ("ide_mnist_f64c5", 13_338), ("ide_fmnist_f400", 1_194), ("ide_nmnist_f64c5", 20_818),
    ("ide_cifar10_alexnetf", 158_730), ("ide_cifar10_cifarnetf", 232_458)])
def test_ide_neuron_counts_match_the_paper(preset, expected):
    spec = PRESETS[preset]
    model = build_model(ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=1))).eval()
    shape = (1, 1, *spec.input_shape) if spec.events else (1, *spec.input_shape)
    with torch.no_grad():
        sim = model(torch.zeros(shape)).simulation
    spiking = sum(sum(layer) for layer in sim.layer_neurons)
    assert torch.Size(spec.input_shape).numel() + spiking + spec.num_classes == expected
