r"""Membrane-potential fusion of the two accumulation directions (depth and window sliding).

When a window hands its membrane potential on, two potentials meet: :math:`X` from the depth
direction (the layer below, or the previous block) and :math:`Y` from the sliding direction (the
potential carried along the window sweep). Adding them can push a neuron over threshold that
neither alone would ("over-activation", for :math:`X, Y \in (V_{th}, 2V_{th})`). The paper replaces
the sum by a bounded trigonometric surface with radian factor :math:`\theta`, :math:`a = \theta\pi/2`:

* ``product`` (the paper's surface): :math:`\Omega = 2\sin(aX)\cos(aY)`;
* ``nested`` (the released code, :math:`a = \pi/4`): :math:`\Omega = 2\sin(aX\cos(aY))`;
* ``mean`` (the CIFAR-100 CNN code): :math:`(X + Y)/2`;
* ``sum``: :math:`X + Y`, the linear fusion the paper argues against;
* ``none``: :math:`Y`, only the potential carried along the sweep.

Over :math:`(th, 2th)^2` the product surface has the area of supplement Eq. 6,

.. math::
    S(\theta) = \int_{th}^{2th}\!\!\int_{th}^{2th} 2\sin(aX)\cos(aY)\,dX\,dY
              = \frac{16 \sin(3\theta\pi\,th/2)\, \sin^2(\theta\pi\,th/4)}{\theta^2\pi^2},

and the plane :math:`X + Y` has :math:`3\,th^3`; :math:`\nabla D = S(\theta) - 3\,th^3` is
supplement Table 1.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

FUSION_MODES = ("product", "nested", "mean", "sum", "none")


def fuse(x: Tensor, y: Tensor, theta: float = 0.5, mode: str = "nested") -> Tensor:
    """Fuse the depth-direction potential ``x`` with the sliding-direction potential ``y``.

    Example:
        >>> fuse(torch.tensor(1.0), torch.tensor(0.0), theta=1.0, mode="product").item()
        2.0
    """
    a = theta * math.pi / 2
    if mode == "product":
        return 2 * torch.sin(a * x) * torch.cos(a * y)
    if mode == "nested":
        return 2 * torch.sin(a * x * torch.cos(a * y))
    if mode == "mean":
        return (x + y) / 2
    if mode == "sum":
        return x + y
    if mode == "none":
        return y
    raise ValueError(f"fusion_mode={mode!r} is invalid; allowed: one of {', '.join(FUSION_MODES)}")


def product_surface_area(theta: float, v_threshold: float = 0.5) -> float:
    """S(theta) of supplement Eq. 6: the area under ``2 sin(aX) cos(aY)`` over ``(th, 2 th)^2``."""
    angle = theta * math.pi * v_threshold
    return 16 * math.sin(1.5 * angle) * math.sin(angle / 4) ** 2 / (theta * math.pi) ** 2


def over_activation_gap(theta: float, v_threshold: float = 0.5) -> float:
    """nabla D of supplement Table 1: S(theta) minus the plane's ``3 th^3``."""
    return product_surface_area(theta, v_threshold) - 3 * v_threshold ** 3
