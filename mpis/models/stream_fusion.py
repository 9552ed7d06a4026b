r"""Fusion of MPIS streams by their layer-1 currents (ALGORITHMS.md §3.4, "fuse currents").

With ``c_i = X_i(x_i) + W_i(s_{i,N})`` the current stream ``i`` would get on its own, the fused
layer-1 current is

.. math::
    I_{i,1} = c_i + \sum_{j \ne i} \Phi_{j \to i}(c_j), \qquad
    \Phi_{j \to i} = \begin{cases}
      \mathrm{Up}_{2^{j-i}} \circ \mathrm{BN} \circ \mathrm{Conv}_{1\times1} & j > i \text{ (coarser stream)} \\
      (\mathrm{BN} \circ \mathrm{Conv}_{3\times3,\,s2})^{\,i-j} & j < i \text{ (finer stream)}
    \end{cases}

as in MDEQ: nearest upsampling (cropped to the finer map, so odd sizes work) after a 1x1 projection
(``upsample_projection=False``: plain upsampling, as the released code), and a chain of ``i - j``
stride-2 3x3 convolutions. Every path is linear in the currents and has the layer-1 channel count of
the streams (never hard-coded). Each op is a :class:`SynapticModule` without dropout, so its BN
follows the statistics mode of the call: running statistics in the simulation and in the Jacobian
probe, batch statistics in the equivalent map. Because ``FeedbackSNN.simulate`` and
``FeedbackSNN.equivalent_map`` both call ``fuse``, the same fusion is inside the equivalent map f.

Unlike the released code (§3.3 item 5), this fuses currents, not accumulated membrane potentials
(which grow geometrically), and every fusion weight receives a gradient.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mpis.snn.synaptic_module import BNStats, ForwardState, SynapticModule


def _fusion_op(op: nn.Module) -> SynapticModule:
    return SynapticModule(op, batch_norm=True, dropout=0.0)


class _Downsample(nn.Module):
    """``steps`` x (3x3 stride-2 conv + BN): from a finer stream to one ``steps`` levels coarser."""

    def __init__(self, channels: int, steps: int):
        super().__init__()
        self.ops = nn.ModuleList(
            _fusion_op(nn.Conv2d(channels, channels, 3, stride=2, padding=1, bias=False)) for _ in range(steps))

    def forward(self, current: Tensor, size: tuple[int, int], state: ForwardState, bn: BNStats) -> Tensor:
        for op in self.ops:
            current = op(current, state, bn)
        return current


class _Upsample(nn.Module):
    """Optional 1x1 conv + BN, then nearest upsampling by ``2^steps``, cropped to the finer map."""

    def __init__(self, channels: int, steps: int, projection: bool):
        super().__init__()
        self.scale = 2**steps
        self.projection = _fusion_op(nn.Conv2d(channels, channels, 1, bias=False)) if projection else None

    def forward(self, current: Tensor, size: tuple[int, int], state: ForwardState, bn: BNStats) -> Tensor:
        if self.projection is not None:
            current = self.projection(current, state, bn)
        upsampled = F.interpolate(current, scale_factor=self.scale, mode="nearest")
        return upsampled[..., :size[0], :size[1]]


class StreamFusion(nn.Module):
    """``fusion(currents, state, bn) -> fused``: the layer-1 currents of M streams, each mixed with all others."""

    def __init__(self, channels: int, sizes: list[tuple[int, int]], *, upsample_projection: bool = True):
        super().__init__()
        self.sizes = sizes
        self.paths = nn.ModuleDict()
        for source in range(len(sizes)):
            for target in range(len(sizes)):
                steps = abs(source - target)
                if source < target:
                    self.paths[f"{source}_to_{target}"] = _Downsample(channels, steps)
                elif source > target:
                    self.paths[f"{source}_to_{target}"] = _Upsample(channels, steps, upsample_projection)

    def forward(self, currents: list[Tensor], state: ForwardState, bn: BNStats = BNStats.DEFAULT) -> list[Tensor]:
        fused = []
        for target, current in enumerate(currents):
            for source, other in enumerate(currents):
                if source != target:
                    current = current + self.paths[f"{source}_to_{target}"](other, self.sizes[target], state, bn)
            fused.append(current)
        return fused
