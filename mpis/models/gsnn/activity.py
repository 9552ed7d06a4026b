"""Spike counts per layer, collected during one forward pass (never stored on a module).

A layer's firing rate is its spike count over its neuron evaluations: batch x neurons per window
x windows x time steps. Overlapping (dilated) windows evaluate the neurons of an overlap once per
window, and each evaluation counts.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class SpikeCount(NamedTuple):
    spikes: Tensor  # 0-dim, total spikes (detached)
    neurons: int  # neuron evaluations the spikes were counted over

    @property
    def rate(self) -> Tensor:
        return self.spikes / self.neurons


class SpikeCounter:
    """Accumulates ``name -> SpikeCount`` for one forward pass (a fresh one per forward)."""

    def __init__(self):
        self._spikes: dict[str, Tensor] = {}
        self._neurons: dict[str, int] = {}

    def add(self, name: str, spikes: Tensor) -> None:
        total = spikes.detach().sum()
        self._spikes[name] = self._spikes[name] + total if name in self._spikes else total
        self._neurons[name] = self._neurons.get(name, 0) + spikes.numel()

    def counts(self, prefix: str = "") -> dict[str, SpikeCount]:
        return {prefix + name: SpikeCount(total, self._neurons[name]) for name, total in self._spikes.items()}


def firing_rates(counts: dict[str, SpikeCount]) -> dict[str, float]:
    """``name -> spikes / neurons`` as floats, read with one device sync."""
    if not counts:
        return {}
    rates = torch.stack([count.rate for count in counts.values()]).tolist()
    return dict(zip(counts, rates))


def total_firing_rate(counts: dict[str, SpikeCount], exclude_suffix: str = ".encoder") -> float:
    """All spikes over all neuron evaluations, without the encoder layers (by default)."""
    kept = [count for name, count in counts.items() if not name.endswith(exclude_suffix)]
    if not kept:
        return 0.0
    return (torch.stack([c.spikes for c in kept]).sum() / sum(c.neurons for c in kept)).item()
