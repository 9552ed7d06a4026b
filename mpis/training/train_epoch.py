"""One training epoch: cross-entropy (plus the Jacobian penalty where configured), the papers'
schedule per iteration, divergence checks per step, and the equilibrium health of every step.

Per step it collects what the equilibrium training costs and how close it got: the fixed-point
residual ``||f(a) - a|| / ||a||`` at the simulated rates (joint and per stream, from the training
forward's own f), the simulation's final step change and steps run, the backward solver's VJP
count, its residual and whether it fell back, and the gradient norm (before the optional clipping to
``TrainConfig.gradient_clip``). The spectral radius of
``J = df/da`` is estimated on the batch of every ``spectral_radius_every``-th step (default: the
epoch's last), before the optimiser step changes the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from mpis.config import ModelConfig, TrainConfig
from mpis.training.divergence import (
    check_fallbacks,
    check_loss,
    check_parameters,
    check_rates,
    gradient_norm,
)
from mpis.training.schedule import learning_rate_at, set_learning_rate

SPECTRAL_RADIUS_ITERATIONS = 20


@dataclass
class TrainTotals:
    loss_sum: float = 0.0  # sum over samples of the cross-entropy
    correct: int = 0
    samples: int = 0
    steps: int = 0  # optimiser steps (iterations) in this epoch
    learning_rate: float = math.nan  # of the last step
    forward_steps: list[int] = field(default_factory=list)
    step_changes: list[list[float]] = field(default_factory=list)  # per step: [joint, s0, ...] at the end
    residuals: list[list[float]] = field(default_factory=list)  # per step: [joint, s0, ...] ||f(a)-a||/||a||
    spectral_radii: list[float] = field(default_factory=list)  # per sample, the epoch's last measurement
    backward_steps: list[int] = field(default_factory=list)
    backward_residuals: list[float] = field(default_factory=list)  # the configured solver's own
    backward_fallbacks: int = 0
    jacobian_penalties: list[float] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)
    layer_neurons: list[list[int]] = field(default_factory=list)  # per stream, per layer, per sample


def _step_changes(simulation) -> list[float]:
    traces = [simulation.step_change, *simulation.stream_step_changes]
    return [trace[-1] if trace else math.nan for trace in traces]


def _record(totals: TrainTotals, loss: float, output, labels: torch.Tensor) -> None:
    batch = labels.shape[0]
    totals.loss_sum += loss * batch
    totals.correct += int((output.logits.argmax(1) == labels).sum())
    totals.samples += batch
    totals.steps += 1
    simulation = output.simulation
    totals.forward_steps.append(simulation.steps)
    totals.step_changes.append(_step_changes(simulation))
    totals.layer_neurons = simulation.layer_neurons
    if output.equilibrium is not None:
        totals.residuals.append(output.equilibrium.residuals().tolist())
    if output.backward is not None:
        totals.backward_steps.append(output.backward.steps)
        totals.backward_residuals.append(output.backward.solver_residual)


def _spectral_radius_due(train: TrainConfig, step: int, steps_in_epoch: int) -> bool:
    every = train.spectral_radius_every
    return step == steps_in_epoch if every == 0 else step % every == 0


def train_one_epoch(model: torch.nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
                    train: TrainConfig, *, epoch: int, first_iteration: int, device: torch.device,
                    on_step: Callable[[int], None] | None = None) -> TrainTotals:
    """Train epoch ``epoch`` (1-based), whose first step is global iteration ``first_iteration``;
    ``on_step(samples)`` is called after every step (progress bars)."""
    model.train()
    config: ModelConfig = model.config
    totals = TrainTotals()
    steps_in_epoch = len(loader)
    for step, (inputs, labels) in enumerate(loader, start=1):
        inputs, labels = inputs.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        iteration = first_iteration + step - 1
        totals.learning_rate = learning_rate_at(train, iteration, epoch - 1)
        set_learning_rate(optimizer, totals.learning_rate)
        optimizer.zero_grad(set_to_none=True)
        output = model(inputs)
        loss = F.cross_entropy(output.logits, labels)
        check_loss(loss.item(), epoch, step)
        check_rates(output.simulation.rates, epoch, step)
        objective = loss
        if config.jacobian_reg > 0 and output.equilibrium is not None and iteration % config.jacobian_reg_every == 0:
            penalty = output.equilibrium.jacobian_penalty()
            totals.jacobian_penalties.append(penalty.item())
            objective = loss + config.jacobian_reg * penalty
        objective.backward()
        if output.backward is not None and output.backward.fallback is not None:
            totals.backward_fallbacks += 1
            check_fallbacks(totals.backward_fallbacks, steps_in_epoch, config.backward.max_fallback_share,
                            epoch, step)
        totals.gradient_norms.append(gradient_norm(model, epoch, step))  # before clipping
        if train.gradient_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), train.gradient_clip)
        if output.equilibrium is not None and _spectral_radius_due(train, step, steps_in_epoch):
            totals.spectral_radii = output.equilibrium.spectral_radius(SPECTRAL_RADIUS_ITERATIONS).tolist()
        optimizer.step()
        check_parameters(model, epoch, step)
        _record(totals, loss.item(), output, labels)
        if on_step is not None:
            on_step(labels.shape[0])
    return totals
