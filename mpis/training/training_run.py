"""Everything one training run holds between epochs, and how it goes into and out of a checkpoint.

A :class:`TrainingRun` is the state of one ``fit`` call (model, optimiser, loaders, counters and
history), not a Ray Tune trial: a study's trial runs one of these in its worker process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import DataLoader

from mpis.config import ExperimentConfig
from mpis.config_io import config_to_flat_dict
from mpis.data import DatasetInfo, build_dataloaders
from mpis.models import build_model
from mpis.training.schedule import build_optimizer
from mpis.training.seeding import (
    capture_rng_states,
    restore_rng_states,
    seed_everything,
)

CHECKPOINT_FORMAT = 1
# A resumed run may change these (more epochs, another machine); anything else makes it another run.
RESUMABLE_CHANGES = frozenset({"train.epochs", "train.device", "data.data_dir", "data.num_workers", "data.download",
                               "train.energy_preset"})


@dataclass
class TrainingRun:
    config: ExperimentConfig
    device: torch.device
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    train_loader: DataLoader
    test_loader: DataLoader
    info: DatasetInfo
    epoch: int = 0  # epochs completed
    iteration: int = 0  # optimiser steps completed (drives the warm-up)
    history: list[dict[str, Any]] = field(default_factory=list)  # metrics of every completed epoch

    @property
    def generators(self) -> dict[str, torch.Generator]:
        return {"train_loader": self.train_loader.generator, "test_loader": self.test_loader.generator}

    def checkpoint_state(self) -> dict[str, Any]:
        return {"format": CHECKPOINT_FORMAT, "config": config_to_flat_dict(self.config),
                "epoch": self.epoch, "iteration": self.iteration, "history": list(self.history),
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": capture_rng_states(self.generators)}

    def restore(self, saved: dict[str, Any]) -> None:
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.epoch, self.iteration, self.history = saved["epoch"], saved["iteration"], list(saved["history"])
        restore_rng_states(saved["rng"], self.generators)


def build_run(config: ExperimentConfig, device: torch.device) -> TrainingRun:
    """Seed, open the data, build the model and its optimiser (in that order, for reproducibility)."""
    seed_everything(config.seed)
    train_loader, test_loader, info = build_dataloaders(
        config.data, time_steps=config.model.simulation.time_steps, seed=config.seed)
    model = build_model(config.model).to(device)
    return TrainingRun(config, device, model, build_optimizer(model, config.train), train_loader, test_loader, info)


def check_same_run(saved_config: dict[str, Any], config: ExperimentConfig, resume_from: str) -> None:
    """A ``ValueError`` naming the settings in which ``config`` differs from the checkpoint's."""
    current = config_to_flat_dict(config)
    differing = sorted(key for key in current.keys() | saved_config.keys()
                       if key not in RESUMABLE_CHANGES and current.get(key) != saved_config.get(key))
    if differing:
        changes = ", ".join(f"{key}: {saved_config.get(key)!r} -> {current.get(key)!r}" for key in differing)
        raise ValueError(f"resume_from={resume_from!r} is invalid; allowed: a checkpoint of the same run "
                         f"(only {', '.join(sorted(RESUMABLE_CHANGES))} may change; differs in {changes})")
