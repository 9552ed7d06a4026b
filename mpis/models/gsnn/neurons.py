r"""The LIF step of the general SNN framework (Yao et al., ACML 2023) and its input encoders.

The released code (``mem_update`` / ``ActFun``, STBP-style after Wu et al. 2018) updates every
spiking layer as

.. math::
    u &\leftarrow \lambda\, u\, (1 - s_{prev}) + I        && \text{leak, hard reset by the last spike, integrate} \\
    s &= \mathbb{1}[u > V_{th}]                           && \text{fire (strictly above; a tie stays silent)}

with decay :math:`\lambda = 0.4` and :math:`V_{th} = 0.5`. The spike's derivative is replaced by a
rectangle, :math:`\partial s / \partial u := \mathbb{1}[|u - V_{th}| < w]` with :math:`w = 0.5`.
``s_prev`` is the same neuron's spike at the previous time step (zeros at the first step), so at
T = 1 the reset term never acts.

Encoders turn a real-valued cell input into what the cell's first layer sees:

* ``bernoulli``: :math:`x > U(0, 1)`, a fresh uniform sample per call (the release); no gradient
  reaches ``x``, because the comparison is not differentiable (it is computed under no-grad).
* ``bernoulli_st``: the same sample, with the straight-through gradient of its expectation
  :math:`\mathbb{E}[s] = \mathrm{clamp}(x, 0, 1)`: :math:`\partial s / \partial x := \mathbb{1}[0 < x < 1]`.
* ``direct``: no encoding; the real value is the first layer's input current.

Random numbers come from torch's global generator, or from ``generator`` when one is passed.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from torch import Tensor


class LIFParameters(NamedTuple):
    decay: float = 0.4  # lambda, the multiplicative leak per step
    v_threshold: float = 0.5  # V_th: a neuron fires when u > V_th
    surrogate_width: float = 0.5  # w: the surrogate derivative is 1 on |u - V_th| < w, else 0


class _RectangularSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, potential: Tensor, v_threshold: float, width: float):
        ctx.save_for_backward(potential)
        ctx.v_threshold, ctx.width = v_threshold, width
        return (potential > v_threshold).to(potential.dtype)

    @staticmethod
    def backward(ctx, grad_spikes: Tensor):
        (potential,) = ctx.saved_tensors
        window = ((potential - ctx.v_threshold).abs() < ctx.width).to(grad_spikes.dtype)
        return grad_spikes * window, None, None


def spike(potential: Tensor, params: LIFParameters) -> Tensor:
    """``1[u > V_th]`` with the rectangular surrogate derivative of width ``params.surrogate_width``."""
    return _RectangularSpike.apply(potential, params.v_threshold, params.surrogate_width)


def lif_step(current: Tensor, potential: Tensor, previous_spikes: Tensor,
             params: LIFParameters) -> tuple[Tensor, Tensor]:
    """One LIF step. Returns ``(spikes, new_potential)``; the inputs are not mutated.

    Example:
        >>> s, u = lif_step(torch.tensor([0.25, 0.75]), torch.ones(2), torch.tensor([0.0, 1.0]),
        ...                 LIFParameters(decay=0.5))
        >>> s.tolist(), u.tolist()
        ([1.0, 1.0], [0.75, 0.75])
    """
    potential = params.decay * potential * (1.0 - previous_spikes) + current  # 1. leak, reset, integrate
    return spike(potential, params), potential  # 2. fire


def _uniform_like(x: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def encode_bernoulli(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Rate code ``1[x > U(0, 1)]`` without gradient (the release's encoder)."""
    with torch.no_grad():
        return (x > _uniform_like(x, generator)).to(x.dtype)


def encode_bernoulli_st(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """The Bernoulli sample, differentiable through ``clamp(x, 0, 1)`` (straight-through)."""
    expectation = x.clamp(0.0, 1.0)
    return encode_bernoulli(x, generator) + (expectation - expectation.detach())


def encode_direct(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """No encoding: the real-valued input is the current (``generator`` is unused)."""
    return x


Encoder = Callable[[Tensor, "torch.Generator | None"], Tensor]

ENCODERS: dict[str, Encoder] = {
    "bernoulli": encode_bernoulli,
    "bernoulli_st": encode_bernoulli_st,
    "direct": encode_direct,
}
SPIKING_ENCODERS = ("bernoulli", "bernoulli_st")  # encoders whose output is a spike train
