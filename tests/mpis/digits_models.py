"""A small IDE model config and a batch of digits-shaped inputs, for tests of the simulation and of
memory against T."""

import torch

from mpis.config import ModelConfig, SimulationConfig


def model_config(preset="ide_digits_f64c5", time_steps=20, **model) -> ModelConfig:
    return ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=time_steps), **model)


def digits_batch(batch=4, seed=0):
    """Uniform 8x8 images and labels 0, 1, 2, ... (seeded)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 8, 8, generator=generator), torch.arange(batch) % 10
