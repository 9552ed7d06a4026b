r"""The residual block of the gsnn backbone and the patch merging between stages.

A block (the release's ``Sequencer2DBlock``) adds a spiking token mixer and a channel MLP to the
residual stream, with no normalisation (the release builds ``norm1``/``norm2`` in some files but
never applies them):

.. math::
    x \leftarrow x + \mathrm{Mixer}(x), \qquad x \leftarrow x + W_2\, \mathrm{GELU}(W_1 x).

Patch merging (Swin-style, without its norm) halves the map and maps the 4 merged pixels' channels
linearly, :math:`4C \to C'` without bias (the release: :math:`C' = 2C`); an odd map is zero-padded
at the bottom/right first.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mpis.models.gsnn.activity import SpikeCount
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.mixer import WindowSpikingMixer
from mpis.models.gsnn.windows import WindowGeometry


class ChannelMLP(nn.Module):
    """``fc2(dropout(GELU(fc1(x))))`` then dropout, per token (timm's ``Mlp``)."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class PatchMerging(nn.Module):
    """``(B, H, W, C) -> (B, ceil(H/2), ceil(W/2), out_dim)``: 2x2 neighbours concatenated, then linear."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.reduction = nn.Linear(4 * in_dim, out_dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        rows, columns = x.shape[1], x.shape[2]
        if rows % 2 or columns % 2:
            x = F.pad(x, (0, 0, 0, columns % 2, 0, rows % 2))
        merged = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
        return self.reduction(merged)


class BlockOutput(NamedTuple):
    tokens: Tensor  # (B, H, H, C), the residual stream after the block
    membrane_map: Tensor | None  # handed to the next block (recurrent cells)
    spike_counts: dict[str, SpikeCount]


class GSNNBlock(nn.Module):
    """Residual spiking-mixer + MLP block on a channels-last map of fixed size."""

    def __init__(self, dim: int, geometry: WindowGeometry, config: GSNNConfig):
        super().__init__()
        self.mixer = WindowSpikingMixer(dim, geometry, config)
        self.mlp = ChannelMLP(dim, int(config.mlp_ratio * dim), config.dropout)

    @property
    def window_kind(self) -> str:
        return self.mixer.geometry.kind

    def forward(self, x: Tensor, membrane_map: Tensor | None = None,
                generator: torch.Generator | None = None) -> BlockOutput:
        mixed = self.mixer(x, membrane_map, generator)
        x = x + mixed.tokens
        x = x + self.mlp(x)
        return BlockOutput(x, mixed.membrane_map, mixed.spike_counts)
