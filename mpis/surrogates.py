r"""Surrogate spike functions for the BPTT baseline, chosen by name.

Forward: the Heaviside step :math:`s = \mathbb{1}[v \ge 0]` of :math:`v = u - V_{th}`. Backward:
:math:`\partial s / \partial v` replaced by a smooth or box-shaped pseudo-derivative with width
parameter :math:`\alpha`:

* ``sigmoid``:   :math:`\alpha\,\mathrm{sig}(\alpha v)\,(1 - \mathrm{sig}(\alpha v))`, :math:`\alpha = 4`
* ``triangle``:  :math:`\max(0, 1 - |v|)`
* ``rectangle``: :math:`\mathbb{1}[|v| < 1/2]`
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from mpis.neurons import SpikeFunction
from mpis.registries import lookup


def _sigmoid_derivative(v: Tensor) -> Tensor:
    s = torch.sigmoid(4.0 * v)
    return 4.0 * s * (1.0 - s)


def _triangle_derivative(v: Tensor) -> Tensor:
    return (1.0 - v.abs()).clamp_min(0.0)


def _rectangle_derivative(v: Tensor) -> Tensor:
    return (v.abs() < 0.5).to(v.dtype)


DERIVATIVES: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": _sigmoid_derivative,
    "triangle": _triangle_derivative,
    "rectangle": _rectangle_derivative,
}


class _SurrogateSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, shifted_potential: Tensor, derivative):
        ctx.derivative = derivative
        ctx.save_for_backward(shifted_potential)
        return (shifted_potential >= 0).to(shifted_potential.dtype)

    @staticmethod
    def backward(ctx, grad_spikes: Tensor):
        (shifted_potential,) = ctx.saved_tensors
        return grad_spikes * ctx.derivative(shifted_potential), None


def surrogate_spike_function(name: str) -> SpikeFunction:
    """The spike function with the surrogate derivative ``name`` (one of ``DERIVATIVES``)."""
    derivative = lookup(DERIVATIVES, name, "surrogate")
    return lambda shifted_potential: _SurrogateSpike.apply(shifted_potential, derivative)
