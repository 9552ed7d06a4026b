r"""The analog (non-spiking) conv block of the MPIS stem and head: conv, BN, DBReLU.

.. math::
    y = \sigma\big(\mathrm{BN}(\mathrm{Conv}(x)) / V_{th}\big), \qquad \sigma(z) = \min(\max(z, 0), 1)

The double-bounded ReLU divides by V_th once, as the released stem and head do (ALGORITHMS.md §3.3
item 4: only the released equivalent map divides twice). These blocks are ordinary layers: ordinary
BatchNorm, PyTorch's default init, no dropout, and gradients by plain backpropagation (§3.4, §9.16:
they are not part of the spiking streams).
"""

from __future__ import annotations

from torch import Tensor, nn


class AnalogConvBlock(nn.Module):
    """``Conv(k, stride, padding k//2) -> BN -> clamp(. / V_th, 0, 1)``."""

    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int = 3, stride: int = 1,
                 bias: bool = True, v_threshold: float = 2.0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=kernel_size // 2, bias=bias)
        self.bn = nn.BatchNorm2d(out_channels)
        self.v_threshold = v_threshold

    def forward(self, x: Tensor) -> Tensor:
        return (self.bn(self.conv(x)) / self.v_threshold).clamp(0.0, 1.0)


def build_analog_stem(in_channels: int, channels: int, stride: int, v_threshold: float) -> nn.Sequential:
    """The released static stem: ``Conv3x3(in -> channels)`` then ``Conv3x3(channels -> channels, stride)``."""
    return nn.Sequential(
        AnalogConvBlock(in_channels, channels, v_threshold=v_threshold),
        AnalogConvBlock(channels, channels, stride=stride, v_threshold=v_threshold))
