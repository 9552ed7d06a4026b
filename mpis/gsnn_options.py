"""The options of the gsnn family that :class:`mpis.config.ModelConfig` holds (``ModelConfig.gsnn``);
imports nothing of the package but :mod:`mpis.validation`."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from mpis.validation import require

REGION_THRESHOLD_OFF = "off"


def _optional_ratio(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and 0.5 < value < 1)


@dataclass(frozen=True, kw_only=True)
class GSNNOptions:
    """Options of the gsnn family (``mpis.models.gsnn``); ``None`` keeps the preset's value.

    Only types and ranges are checked here; the names (cell, schedule, fusion mode, fill, encoder)
    and whether an option applies (``theta`` to product/nested fusion, ``bidirectional`` to recurrent
    cells, ...) are checked with the preset (``mpis.models.gsnn_family``), before any data is read.
    T, V_th, the decay and the MLP dropout are ModelConfig's own ``simulation.time_steps``,
    ``neuron.v_threshold``, ``neuron.leak`` and ``dropout``.
    """

    cell: str | None = None  # "cnn", "lstm", "gru" or "rnn"
    bidirectional: bool | None = None  # recurrent cells: both directions (the release's LSTM)
    window_ratio: float | None = None  # side of a dilated window / side of its map, in (0.5, 1)
    window_ratio_fallback: float | None = None  # used on maps where window_ratio gives no integer side
    window_schedule: str | None = None  # "alternate", "always_regular" or "always_dilated"
    fusion_mode: str | None = None  # "product", "nested", "mean", "sum" or "none"
    theta: float | None = None  # radian factor of product/nested fusion
    region_threshold: float | str | None = None  # Th_R in [0, 1), or "off"
    region_fill: str | None = None  # values <= Th_R: "keep" or "zero"
    encoder: str | None = None  # "bernoulli", "bernoulli_st" or "direct"
    depths: tuple[int, ...] | None = None  # residual blocks per stage
    blocks: int | None = None  # total residual blocks ("depth" 12/20/24 of the paper): the preset's
    # depths with the second-to-last stage grown or shrunk to reach it (exclusive with depths)
    surrogate_width: float | None = None  # half-width of the rectangular surrogate

    def __post_init__(self):
        for name in ("cell", "window_schedule", "fusion_mode", "region_fill", "encoder"):
            value = getattr(self, name)
            require(value is None or isinstance(value, str), name, value, "None or a name")
        require(self.bidirectional is None or isinstance(self.bidirectional, bool), "bidirectional",
                self.bidirectional, "None, True or False")
        for name in ("window_ratio", "window_ratio_fallback"):
            require(_optional_ratio(getattr(self, name)), name, getattr(self, name), "None or a number in (0.5, 1)")
        require(self.theta is None or (isinstance(self.theta, (int, float)) and math.isfinite(self.theta)
                                       and self.theta > 0), "theta", self.theta, "None or a finite number > 0")
        threshold = self.region_threshold
        require(threshold is None or threshold == REGION_THRESHOLD_OFF
                or (isinstance(threshold, (int, float)) and 0 <= threshold < 1), "region_threshold", threshold,
                f"None, {REGION_THRESHOLD_OFF!r} or a number in [0, 1)")
        require(self.depths is None or (isinstance(self.depths, tuple) and len(self.depths) > 0
                                        and all(type(d) is int and d >= 1 for d in self.depths)),
                "depths", self.depths, "None or a non-empty tuple of integers >= 1")
        require(self.blocks is None or (type(self.blocks) is int and self.blocks >= 1), "blocks", self.blocks,
                "None or an integer >= 1")
        require(self.surrogate_width is None or (isinstance(self.surrogate_width, (int, float))
                                                 and self.surrogate_width > 0),
                "surrogate_width", self.surrogate_width, "None or a number > 0")

    def given(self) -> dict[str, object]:
        """The options that are set (not ``None``), by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}
