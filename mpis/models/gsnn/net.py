r"""The hierarchical gsnn backbone (the release's ``sequencer2d_s`` with spiking token mixers).

.. code-block:: text

    image (B, C_in, S, S)
      -> stem: conv p x p, stride p                      -> (B, S/p, S/p, d_0)   channels-last
      -> stage i = 0..n-1: depths[i] x GSNNBlock(d_i)    (residual spiking mixer + GELU MLP)
         then, except after the last stage, PatchMerging 4 d_i -> d_{i+1}  (map side halves)
      -> mean over the map -> linear head (zero-initialised) -> logits

Recurrent cells also hand a membrane map from block to block; between stages it goes through its
own bias-free patch merging :math:`4D_i \to D_{i+1}` (in the release, the ``down`` layer of the
stage's last block). The map starts at zero in the first block of every forward (the release
re-zeroes it in every regular block of stage 0, which with its depths is the first block only).

**Window schedule**, fixed at construction from the block's index :math:`g` counted over the whole
network (what the release's global counter produces, without the counter): ``"alternate"`` uses
dilated windows for odd :math:`g` and regular ones for even :math:`g`; ``"always_regular"`` /
``"always_dilated"`` use one kind. The last stage and any 2x2 map always use regular windows.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from mpis.models.gsnn.activity import SpikeCount, firing_rates, total_firing_rate
from mpis.models.gsnn.block import GSNNBlock, PatchMerging
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.init_weights import init_release_weights
from mpis.models.gsnn.windows import WindowGeometry, window_geometry


class GSNNOutput(NamedTuple):
    logits: Tensor  # (B, num_classes)
    spike_counts: dict[str, SpikeCount]  # "stage{i}.block{j}.{lif1|lif2|lif|encoder}" -> count

    def firing_rates(self) -> dict[str, float]:
        """Per layer: spikes / neuron evaluations of this forward."""
        return firing_rates(self.spike_counts)

    def total_firing_rate(self) -> float:
        """All LIF spikes over all LIF neuron evaluations (encoders excluded)."""
        return total_firing_rate(self.spike_counts)


def stage_map_sizes(config: GSNNConfig) -> tuple[int, ...]:
    """Side of the feature map in every stage (patch merging halves it, rounding up)."""
    sizes = [config.input_size // config.patch_size]
    for _ in config.dims[1:]:
        sizes.append(math.ceil(sizes[-1] / 2))
    return tuple(sizes)


def window_schedule(config: GSNNConfig) -> tuple[tuple[str, ...], ...]:
    """``"regular"`` / ``"dilated"`` for every block, per stage (see the module docstring)."""
    sizes, last = stage_map_sizes(config), len(config.depths) - 1
    schedule, index = [], 0
    for stage, depth in enumerate(config.depths):
        kinds = []
        for _ in range(depth):
            dilated = {"alternate": index % 2 == 1, "always_regular": False,
                       "always_dilated": True}[config.window_schedule]
            kinds.append("dilated" if dilated and stage != last and sizes[stage] != 2 else "regular")
            index += 1
        schedule.append(tuple(kinds))
    return tuple(schedule)


def block_geometries(config: GSNNConfig) -> tuple[tuple[WindowGeometry, ...], ...]:
    """The window geometry of every block, per stage; a ``ValueError`` for a ratio no map allows.

    A dilated block whose map has no integer side ``window_ratio * H`` uses ``window_ratio_fallback``
    when one is set (and still refuses when that does not fit either)."""
    sizes, stages = stage_map_sizes(config), []
    for size, kinds in zip(sizes, window_schedule(config)):
        geometries = []
        for kind in kinds:
            try:
                geometries.append(window_geometry(size, kind, config.window_ratio))
            except ValueError:
                if kind != "dilated" or config.window_ratio_fallback is None:
                    raise
                geometries.append(window_geometry(size, kind, config.window_ratio_fallback))
        stages.append(tuple(geometries))
    return tuple(stages)


class GSNNNet(nn.Module):
    """Stem, stages of spiking-mixer blocks with patch merging, mean pool and linear head."""

    def __init__(self, config: GSNNConfig):
        super().__init__()
        self.config = config
        dims = config.dims
        self.stem = nn.Conv2d(config.in_channels, dims[0], config.patch_size, stride=config.patch_size)
        self.stages = nn.ModuleList(
            nn.ModuleList(GSNNBlock(dims[i], geometry, config) for geometry in geometries)
            for i, geometries in enumerate(block_geometries(config)))
        self.merges = nn.ModuleList(PatchMerging(dims[i], dims[i + 1]) for i in range(len(dims) - 1))
        channels = [stage[0].mixer.membrane_channels for stage in self.stages]
        self.membrane_merges = nn.ModuleList(
            PatchMerging(channels[i], channels[i + 1]) for i in range(len(dims) - 1)
        ) if config.cell != "cnn" else nn.ModuleList()
        self.head = nn.Linear(dims[-1], config.num_classes)
        init_release_weights(self)

    def window_kinds(self) -> tuple[tuple[str, ...], ...]:
        """The partition each block uses (read from the built blocks)."""
        return tuple(tuple(block.window_kind for block in stage) for stage in self.stages)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> GSNNOutput:
        self._check_input(x)
        tokens = self.stem(x).permute(0, 2, 3, 1)
        membrane_map, counts = None, {}
        for i, stage in enumerate(self.stages):
            for j, block in enumerate(stage):
                tokens, membrane_map, block_counts = block(tokens, membrane_map, generator)
                counts.update({f"stage{i}.block{j}.{name}": c for name, c in block_counts.items()})
            if i < len(self.merges):
                tokens = self.merges[i](tokens)
                if membrane_map is not None:
                    membrane_map = self.membrane_merges[i](membrane_map)
        return GSNNOutput(self.head(tokens.mean(dim=(1, 2))), counts)

    def _check_input(self, x: Tensor) -> None:
        c = self.config
        expected = (c.in_channels, c.input_size, c.input_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"input shape {tuple(x.shape)} is invalid; allowed: a batch of shape "
                             f"(B, {', '.join(map(str, expected))})")
