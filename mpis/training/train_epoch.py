"""One training epoch: cross-entropy, the papers' schedule per iteration, divergence checks per step.

Besides loss and accuracy it collects what the equilibrium training costs and how well it converged:
the forward simulation's final relative change ``||a[T]-a[T-1]|| / ||a[T]||`` and steps run, and the
backward solver's VJP count and final relative residual (from ``ModelOutput.backward``, filled by
``loss.backward()``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from mpis.config import TrainConfig
from mpis.models.mpis_convergence import stream_residual_metrics
from mpis.training.divergence import check_backward, check_loss, check_rates
from mpis.training.schedule import learning_rate_at, set_learning_rate


@dataclass
class TrainTotals:
    loss_sum: float = 0.0  # sum over samples of the cross-entropy
    correct: int = 0
    samples: int = 0
    steps: int = 0  # optimiser steps (iterations) in this epoch
    learning_rate: float = math.nan  # of the last step
    forward_residuals: list[float] = field(default_factory=list)  # per step
    forward_steps: list[int] = field(default_factory=list)
    stream_residuals: list[dict[str, float]] = field(default_factory=list)  # per step: per-stream final r_i
    backward_steps: list[int] = field(default_factory=list)
    backward_residuals: list[float] = field(default_factory=list)
    layer_neurons: list[list[int]] = field(default_factory=list)  # per stream, per layer, per sample


def _record(totals: TrainTotals, loss: float, output, labels: torch.Tensor) -> None:
    batch = labels.shape[0]
    totals.loss_sum += loss * batch
    totals.correct += int((output.logits.argmax(1) == labels).sum())
    totals.samples += batch
    totals.steps += 1
    simulation = output.simulation
    totals.forward_residuals.append(simulation.trace[-1] if simulation.trace else math.nan)
    totals.forward_steps.append(simulation.steps)
    totals.stream_residuals.append(stream_residual_metrics(simulation))
    totals.layer_neurons = simulation.layer_neurons
    if output.backward is not None:
        totals.backward_steps.append(output.backward.steps)
        totals.backward_residuals.append(output.backward.relative_residual)


def train_one_epoch(model: torch.nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
                    train: TrainConfig, *, epoch: int, first_iteration: int,
                    device: torch.device) -> TrainTotals:
    """Train epoch ``epoch`` (1-based), whose first step is global iteration ``first_iteration``."""
    model.train()
    totals = TrainTotals()
    for step, (inputs, labels) in enumerate(loader, start=1):
        inputs, labels = inputs.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        totals.learning_rate = learning_rate_at(train, first_iteration + step - 1, epoch - 1)
        set_learning_rate(optimizer, totals.learning_rate)
        optimizer.zero_grad(set_to_none=True)
        output = model(inputs)
        loss = F.cross_entropy(output.logits, labels)
        check_loss(loss.item(), epoch, step)
        check_rates(output.simulation.rates, epoch, step)
        loss.backward()
        check_backward(output.backward, epoch, step)
        optimizer.step()
        _record(totals, loss.item(), output, labels)
    return totals
