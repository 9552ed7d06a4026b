r"""IF and LIF neurons as pure step functions, and the (weighted) firing-rate readout.

Layout is time-first: a sequence of input currents has shape ``[T, B, ...]``; a step function takes
one ``[B, ...]`` slice. State goes in and out explicitly; nothing is stored on a module.

One step of a neuron with threshold :math:`V_{th}` and leak :math:`\lambda` (IF: :math:`\lambda = 1`):

.. math::
    u &\leftarrow u + I[k]                 && \text{integrate} \\
    s[k] &= \mathbb{1}[u \ge V_{th}]       && \text{fire (a tie fires)} \\
    u &\leftarrow \lambda\,(u - V_{th}\, s[k]) && \text{soft reset by subtraction, then leak}

Rates after T steps: IF :math:`a = \frac{1}{T}\sum_k s[k]`; LIF
:math:`a = \sum_k \lambda^{T-1-k} s[k] / S_T` with :math:`S_T = \sum_{j<T}\lambda^j = (1-\lambda^T)/(1-\lambda)`.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

SpikeFunction = Callable[[Tensor], Tensor]  # maps u - V_th to spikes in {0, 1}


def heaviside(shifted_potential: Tensor) -> Tensor:
    """Spikes 1[u - V_th >= 0]; no gradient (the equilibrium models never differentiate spikes)."""
    return (shifted_potential >= 0).to(shifted_potential.dtype)


def neuron_step(current: Tensor, potential: Tensor, v_threshold: float, leak: float,
                spike_fn: SpikeFunction = heaviside) -> tuple[Tensor, Tensor]:
    """Integrate, fire, soft-reset, leak. Returns ``(spikes, new_potential)``; inputs are not mutated."""
    potential = potential + current
    spikes = spike_fn(potential - v_threshold)
    return spikes, leak * (potential - v_threshold * spikes)


def if_step(current: Tensor, potential: Tensor, v_threshold: float,
            spike_fn: SpikeFunction = heaviside) -> tuple[Tensor, Tensor]:
    """One integrate-and-fire step (no leak)."""
    return neuron_step(current, potential, v_threshold, 1.0, spike_fn)


def lif_step(current: Tensor, potential: Tensor, v_threshold: float, leak: float,
             spike_fn: SpikeFunction = heaviside) -> tuple[Tensor, Tensor]:
    """One leaky integrate-and-fire step; the leak scales the residual potential after the reset."""
    return neuron_step(current, potential, v_threshold, leak, spike_fn)


def rate_normaliser(steps: int, leak: float) -> float:
    """S_T = sum_{j<T} leak^j; equals T for IF (leak = 1), where (1 - leak^T)/(1 - leak) is 0/0."""
    if leak == 1.0:
        return float(steps)
    return (1.0 - leak**steps) / (1.0 - leak)


def accumulate_rate(weighted_sum: Tensor | None, spikes: Tensor, leak: float) -> Tensor:
    """Running weighted spike sum A <- leak * A + s[k] (A / S_T is the rate after T steps)."""
    return spikes if weighted_sum is None else leak * weighted_sum + spikes


def firing_rate(spike_train: Tensor, leak: float = 1.0) -> Tensor:
    """Rate of a time-first spike train ``[T, B, ...]``: count/T (IF) or the leak-weighted average."""
    total = None
    for spikes in spike_train:
        total = accumulate_rate(total, spikes, leak)
    return total / rate_normaliser(spike_train.shape[0], leak)


def simulate_neuron(currents: Tensor, v_threshold: float, leak: float = 1.0) -> Tensor:
    """Run one layer of neurons over time-first currents ``[T, B, ...]``; returns spikes ``[T, B, ...]``."""
    potential = torch.zeros_like(currents[0])
    spikes = []
    for current in currents:
        s, potential = neuron_step(current, potential, v_threshold, leak)
        spikes.append(s)
    return torch.stack(spikes)
