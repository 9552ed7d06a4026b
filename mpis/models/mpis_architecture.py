"""The shape of an MPIS-SNN: streams, spiking-layer widths, stem, and the resolution of every stream.

Stream ``i`` runs at resolution ``n_i = ceil(n_{i-1} / 2)`` (``n_0`` = the stem's output, or the
input frames), the size a 3x3 stride-2 convolution with padding 1 produces, so odd sizes are fine.
Every stream halves its own resolution once more in its strided spiking layer, so each stream needs
``n_i >= 2``; an architecture whose coarsest stream would be 1x1 is refused when it is built.

``ModelConfig.streams`` / ``depth`` / ``widths`` override a preset's architecture
(:func:`apply_overrides`); a depth without widths resamples the preset's widths to that depth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mpis.config import ModelConfig, require


@dataclass(frozen=True, kw_only=True)
class MPISArchitecture:
    """Everything about an MPIS network that is not in ``ModelConfig``'s neuron/simulation/solver."""

    in_channels: int  # channels of an input image or event frame
    input_size: tuple[int, int]  # (H, W) of the input
    num_classes: int
    streams: int = 2  # M parallel implicit streams; stream i runs at resolution H / 2^i
    widths: tuple[int, ...] = (32, 32, 64)  # channels of the spiking layers of every stream (depth = len)
    stride_layer: int = -1  # index of the stride-2 spiking layer (negative: from the end); never layer 0
    stem_channels: int | None = None  # analog conv stem before stream 0; None: input enters directly
    stem_stride: int = 1  # stride of the stem's second conv (2 halves the input, as the CIFAR release)
    events: bool = False  # input is (B, T, C, H, W) event frames, one frame per step
    upsample_projection: bool = True  # fusion: 1x1 conv + BN before nearest upsampling (MDEQ)

    def __post_init__(self):
        require(self.stem_channels is None or not self.events, "stem_channels", self.stem_channels,
                "None for event input (frames enter stream 0 directly)")
        require(self.stem_stride in (1, 2), "stem_stride", self.stem_stride, "1 or 2")

    @property
    def depth(self) -> int:
        return len(self.widths)

    def strided_layer_index(self) -> int:
        """The 0-based index of the stride-2 layer, in 1..depth-1."""
        index = self.stride_layer % self.depth
        require(index >= 1, "stride_layer", self.stride_layer,
                f"an index in 1..{self.depth - 1} (or negative from the end): layer 0 keeps the stream's resolution")
        return index

    def stream_input_channels(self) -> int:
        """Channels entering stream 0's first spiking layer."""
        return self.in_channels if self.stem_channels is None else self.stem_channels


def _halve(size: int) -> int:
    """Output size of a 3x3, stride-2, padding-1 convolution: ceil(size / 2)."""
    return (size + 1) // 2


def stream_sizes(architecture: MPISArchitecture) -> list[tuple[int, int]]:
    """``[(H_i, W_i)]``: the layer-1 resolution of every stream; refuses streams that cannot be halved."""
    height, width = architecture.input_size
    if architecture.stem_channels is not None and architecture.stem_stride == 2:
        height, width = _halve(height), _halve(width)
    sizes = [(height, width)]
    for _ in range(1, architecture.streams):
        sizes.append((_halve(sizes[-1][0]), _halve(sizes[-1][1])))
    usable = sum(1 for h, w in sizes if min(h, w) >= 2)
    shown = ", ".join(f"{h}x{w}" for h, w in sizes)
    require(usable == len(sizes), "streams", architecture.streams,
            f"at most {usable} for a {architecture.input_size[0]}x{architecture.input_size[1]} input "
            f"(stream resolutions would be {shown}; every stream halves its map in its strided "
            f"layer, which needs at least 2x2)")
    return sizes


def output_size(size: tuple[int, int]) -> tuple[int, int]:
    """Resolution of a stream's last layer (after its strided layer) given its layer-1 resolution."""
    return _halve(size[0]), _halve(size[1])


def widths_for_depth(widths: tuple[int, ...], depth: int) -> tuple[int, ...]:
    """Resample ``widths`` to ``depth`` layers by nearest index: (32, 32, 64) -> 2: (32, 64), 5: (32, 32, 32, 64, 64)."""
    if depth == len(widths):
        return widths
    last = len(widths) - 1
    return tuple(widths[int(i * last / (depth - 1) + 0.5)] for i in range(depth))


def apply_overrides(architecture: MPISArchitecture, config: ModelConfig) -> MPISArchitecture:
    """The preset's architecture with ``config.streams`` / ``depth`` / ``widths`` applied and checked."""
    widths = architecture.widths if config.widths is None else tuple(config.widths)
    if config.depth is not None and config.widths is None:
        widths = widths_for_depth(widths, config.depth)
    require(2 <= len(widths) <= 5 and all(isinstance(w, int) and w >= 1 for w in widths),
            "widths", config.widths, "2 to 5 positive integers, one per spiking layer of a stream")
    if config.depth is not None:
        require(len(widths) == config.depth, "widths", config.widths,
                f"exactly depth={config.depth} channel counts, one per spiking layer")
    streams = architecture.streams if config.streams is None else config.streams
    resolved = dataclasses.replace(architecture, streams=streams, widths=widths)
    resolved.strided_layer_index()
    stream_sizes(resolved)
    return resolved
