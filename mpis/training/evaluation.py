"""Test-set evaluation in ``model.eval()`` (dropout off, BN on running statistics), as in §6.

Accuracy is top-1 over the (limited) test split. Firing rates follow the IDE rate script without its
5x bug: per layer, the unweighted spike count / steps per neuron, averaged over neurons and samples;
the total is neuron-weighted, all spikes of all layers / all spiking neurons / steps / samples.
Synaptic operations (ACs) and MACs are counted from the same test forwards, per layer, for every
model built on :class:`SpikingModel` (:mod:`mpis.models.operation_count`) and for gsnn networks
(:mod:`mpis.models.gsnn_operation_count`); any other model leaves ``operations`` None (energy NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from mpis.models.gsnn_family import GSNNModel
from mpis.models.gsnn_operation_count import count_gsnn_operations
from mpis.models.operation_count import OperationCounts, count_operations
from mpis.models.spiking_model import SpikingModel


@dataclass
class EvalTotals:
    loss_sum: float = 0.0
    correct: int = 0
    samples: int = 0
    spikes: list[list[float]] = field(default_factory=list)  # per stream, per layer: total spikes
    neuron_steps: list[list[float]] = field(default_factory=list)  # per layer: sum of steps*batch*neurons
    operations: OperationCounts | None = None  # ACs and MACs of the test forwards (SpikingModel, gsnn)

    def layer_firing_rates(self) -> list[list[float]]:
        return [[s / n for s, n in zip(spikes, slots)] for spikes, slots in zip(self.spikes, self.neuron_steps)]

    def total_firing_rate(self) -> float:
        return sum(map(sum, self.spikes)) / sum(map(sum, self.neuron_steps))


def _add_spikes(totals: EvalTotals, simulation, batch: int) -> None:
    slots = [[simulation.steps * batch * n for n in layers] for layers in simulation.layer_neurons]
    if not totals.spikes:
        totals.spikes = [[0.0] * len(layers) for layers in slots]
        totals.neuron_steps = [[0.0] * len(layers) for layers in slots]
    for stream, (counts, neurons) in enumerate(zip(simulation.spike_counts, slots)):
        for layer, (count, n) in enumerate(zip(counts, neurons)):
            totals.spikes[stream][layer] += count
            totals.neuron_steps[stream][layer] += n


@torch.no_grad()
def evaluate(model: torch.nn.Module, loader: DataLoader, device: torch.device,
             on_batch: Callable[[int], None] | None = None) -> EvalTotals:
    """The test pass; ``on_batch(samples)`` after every batch (progress bars)."""
    model.eval()
    totals = EvalTotals()
    counter = count_operations if isinstance(model, SpikingModel) else (
        count_gsnn_operations if isinstance(model, GSNNModel) else None)
    counted = counter is not None
    if counted:
        totals.operations = OperationCounts()
    for inputs, labels in loader:
        inputs, labels = inputs.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        if counted:
            output, operations = counter(model, inputs)
            totals.operations.add(operations)
        else:
            output = model(inputs)
        totals.loss_sum += F.cross_entropy(output.logits, labels, reduction="sum").item()
        totals.correct += int((output.logits.argmax(1) == labels).sum())
        totals.samples += labels.shape[0]
        _add_spikes(totals, output.simulation, labels.shape[0])
        if on_batch is not None:
            on_batch(labels.shape[0])
    return totals
