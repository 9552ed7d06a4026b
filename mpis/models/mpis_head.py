r"""The MPIS readout head: bring every stream to the coarsest resolution, sum, project, classify.

For M streams with last-layer rates ``a_i`` (channels C, stream ``i`` at ``2^{M-1-i}`` times the
coarsest resolution):

.. math::
    h = \sum_{i} D_i(a_i), \quad D_i = (\text{Conv}_{3\times3,s2} \to \text{BN} \to \text{DBReLU})^{M-1-i}, \qquad
    \text{logits} = W_o\, \mathrm{flatten}\big(\text{DBReLU}(\text{BN}(\text{Conv}_{1\times1}(h)))\big) + b_o

For M = 2 this is the released head (ALGORITHMS.md §3.2): one k3 s2 conv on stream 0, added to
stream 1, a bias-free 1x1 conv, and a linear classifier. The head is analog (§9.16).
"""

from __future__ import annotations

from torch import Tensor, nn

from mpis.models.analog_block import AnalogConvBlock


class MultiResolutionHead(nn.Module):
    """``[a_0, ..., a_{M-1}] -> logits``; ``out_size`` is the coarsest stream's last-layer (H, W)."""

    def __init__(self, channels: int, streams: int, out_size: tuple[int, int], num_classes: int,
                 v_threshold: float):
        super().__init__()
        self.downsample = nn.ModuleList(
            nn.Sequential(*[AnalogConvBlock(channels, channels, stride=2, v_threshold=v_threshold)
                            for _ in range(streams - 1 - i)])
            for i in range(streams))
        self.project = AnalogConvBlock(channels, channels, kernel_size=1, bias=False, v_threshold=v_threshold)
        self.classifier = nn.Linear(channels * out_size[0] * out_size[1], num_classes)

    def forward(self, rates: list[Tensor]) -> Tensor:
        summed = sum(down(rate) for down, rate in zip(self.downsample, rates))
        return self.classifier(self.project(summed).flatten(1))

    def rate_readers(self) -> list[tuple[int, nn.Module]]:
        """``(stream, op)`` for every op whose input is a stream's rate (its spikes, counted as ACs): the
        first downsampling conv of each finer stream, or the projection when there is one stream. The
        rest of the head reads analog values (MACs)."""
        readers = [(i, down[0].conv) for i, down in enumerate(self.downsample) if len(down) > 0]
        return readers if len(self.downsample) > 1 else [(0, self.project.conv)]
