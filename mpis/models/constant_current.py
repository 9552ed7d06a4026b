r"""The input current of an MPIS stream that gets no input: a learned per-channel constant.

The paper injects the input "only into the top layer": stream 0 receives the image (or the event
frames) and every other stream ``i > 0`` receives ``x_i = 0`` (ALGORITHMS.md §3.3 item 6, §3.4). The
released code feeds those zeros through a full conv + BN input module, which can only ever produce

.. math::
    X_i(0) = \mathrm{BN}(W * 0 + b) = \beta_i \quad \text{(one value per channel, at every pixel)},

so its conv weights never receive a gradient. This module computes the same current, ``beta_i``
broadcast over the batch and the stream's resolution, without the dead weights (no BN, no dropout:
it is a bias). It has the ``input_module(x, bn)`` signature of a stream and uses only ``x``'s batch
size.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class ConstantCurrent(nn.Module):
    """``(B, ...) -> (B, C, H, W)``: the learned per-channel current ``beta``, initialised to 0."""

    def __init__(self, channels: int, size: tuple[int, int]):
        super().__init__()
        self.size = size
        self.current = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor, state: object = None, bn: object = None, statistics: object = None) -> Tensor:
        del state, bn, statistics  # a constant has no mask, no restricted weight and no statistics
        channels = self.current.shape[0]
        return self.current.view(1, channels, 1, 1).expand(x.shape[0], channels, *self.size)
