"""Typed, validated configuration of a general-SNN-framework (gsnn) network.

A frozen, keyword-only dataclass like ``mpis.config``'s: a bad value fails when the config is built,
with a ``ValueError`` naming the argument, the value and what is allowed. Whether the window
partitions fit the stage maps is checked when the network is built (``GSNNNet``), because that
depends on the input size, the patch size and the schedule together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mpis.config import require, require_choice
from mpis.models.gsnn.cells import CELL_KINDS
from mpis.models.gsnn.fusion import FUSION_MODES
from mpis.models.gsnn.neurons import ENCODERS, LIFParameters
from mpis.models.gsnn.windows import REGION_FILLS

WINDOW_SCHEDULES = ("alternate", "always_regular", "always_dilated")


def _positive_ints(values) -> bool:
    return isinstance(values, tuple) and len(values) > 0 and all(type(v) is int and v >= 1 for v in values)


@dataclass(frozen=True, kw_only=True)
class GSNNConfig:
    """One gsnn network: backbone, spiking token mixer, neuron, encoder (defaults: CIFAR-10 CNN release)."""

    cell: str = "cnn"  # token-mixer cell: "cnn" (2 x conv3x3 + LIF) or "lstm" | "gru" | "rnn" (+ 1 LIF)
    bidirectional: bool = True  # recurrent cells: bidirectional (the release's LSTM) or forward only
    in_channels: int = 3  # image channels
    input_size: int = 32  # image side (square images)
    num_classes: int = 10  # classifier outputs
    patch_size: int = 2  # stem: a patch_size x patch_size conv with that stride
    dims: tuple[int, ...] = (48, 96, 192, 384)  # channels per stage (also the cells' hidden size)
    depths: tuple[int, ...] = (2, 2, 6, 2)  # residual blocks per stage (2+2+6+2 = the paper's "12")
    mlp_ratio: float = 3.0  # hidden width of the channel MLP, as a multiple of the stage's channels
    dropout: float = 0.0  # dropout p inside the channel MLPs (release default 0; supplement 0.1)
    window_ratio: float = 0.75  # side of a dilated window as a fraction of the map (M = ratio * H)
    window_ratio_fallback: float | None = None  # ratio on maps where window_ratio gives no integer M
    # (e.g. 0.625 on a 4x4 map -> 0.75, ECML.md §4.4); None = refuse such a map
    window_schedule: str = "alternate"  # "alternate": odd blocks (counted over the whole network)
    # dilated, as the release's counter; "always_regular" / "always_dilated". The last stage and any
    # 2x2 map always use regular windows
    fusion_mode: str = "nested"  # "product" (paper), "nested" (release), "mean" (CIFAR-100 code), "sum", "none"
    theta: float = 0.5  # radian factor of product/nested fusion, a = theta * pi / 2 (release: 0.5)
    region_threshold: float | None = None  # Th_R after recomposition; None = off (CIFAR-10 release)
    region_fill: str = "keep"  # values <= Th_R: "keep" (release) or "zero" (binary)
    time_steps: int = 1  # T: window sweeps per block, membranes carried over time (release: 1)
    decay: float = 0.4  # LIF leak lambda in u <- lambda u (1 - s) + I
    v_threshold: float = 0.5  # LIF threshold V_th
    surrogate_width: float = 0.5  # half-width w of the rectangular surrogate 1[|u - V_th| < w]
    encoder: str = "bernoulli"  # cell-input encoder: "bernoulli" (release, no gradient), "bernoulli_st", "direct"

    def __post_init__(self):
        require_choice(self.cell, "cell", CELL_KINDS)
        require(isinstance(self.bidirectional, bool), "bidirectional", self.bidirectional, "True or False")
        for name in ("in_channels", "input_size", "num_classes", "patch_size", "time_steps"):
            value = getattr(self, name)
            require(type(value) is int and value >= 1, name, value, "an integer >= 1")
        require(_positive_ints(self.dims), "dims", self.dims, "a non-empty tuple of integers >= 1")
        require(_positive_ints(self.depths) and len(self.depths) == len(self.dims), "depths", self.depths,
                f"a tuple of {len(self.dims)} integers >= 1 (one per stage in dims)")
        require(self.input_size % self.patch_size == 0, "patch_size", self.patch_size,
                f"a divisor of input_size={self.input_size}")
        require(math.isfinite(self.mlp_ratio) and self.mlp_ratio > 0, "mlp_ratio", self.mlp_ratio, "a number > 0")
        require(0 <= self.dropout < 1, "dropout", self.dropout, "a number in [0, 1)")
        require(0.5 < self.window_ratio < 1, "window_ratio", self.window_ratio, "a number in (0.5, 1)")
        require(self.window_ratio_fallback is None or 0.5 < self.window_ratio_fallback < 1, "window_ratio_fallback",
                self.window_ratio_fallback, "None or a number in (0.5, 1)")
        require_choice(self.window_schedule, "window_schedule", WINDOW_SCHEDULES)
        require_choice(self.fusion_mode, "fusion_mode", FUSION_MODES)
        require(math.isfinite(self.theta) and self.theta > 0, "theta", self.theta, "a finite number > 0")
        require(self.region_threshold is None or 0 <= self.region_threshold < 1, "region_threshold",
                self.region_threshold, "None (off) or a number in [0, 1)")
        require_choice(self.region_fill, "region_fill", REGION_FILLS)
        require(0 < self.decay <= 1, "decay", self.decay, "a number in (0, 1]")
        require(math.isfinite(self.v_threshold) and self.v_threshold > 0, "v_threshold", self.v_threshold,
                "a finite number > 0")
        require(self.surrogate_width > 0, "surrogate_width", self.surrogate_width, "a number > 0")
        require_choice(self.encoder, "encoder", ENCODERS)

    @property
    def lif(self) -> LIFParameters:
        return LIFParameters(self.decay, self.v_threshold, self.surrogate_width)
