r"""Window partitions of a square feature map, their recomposition, and the region threshold.

A map of side :math:`H` (channels-last, ``(B, H, H, C)``) is cut into 4 corner-anchored square
windows of side :math:`M`, in the order top-left, top-right, bottom-left, bottom-right (the order in
which the mixer visits them):

* **regular**: :math:`M = H/2`, 4 disjoint quadrants;
* **dilated**: :math:`M = rH` (ratio :math:`r`, 3/4 in the paper), overlapping by
  :math:`w_o = 2M - H` along each axis; the central :math:`w_o \times w_o` block is covered 4 times.

**Condense** recomposes the 4 window outputs :math:`G_k` by overlap averaging,

.. math::
    X[p] = \frac{1}{c[p]} \sum_{k:\, p \in W_k} G_k[p - o_k], \qquad c[p] = |\{k : p \in W_k\}|,

with window offsets :math:`o_k`: fold the windows into the map and divide by the per-pixel coverage.
Pixels seen by 2 windows get weight 1/2 and those seen by 4 get 1/4. For :math:`r = 3/4` this is
exactly the "weighted condense" of Algorithm 1 (supplement), and it also covers every other ratio
the map allows (Algorithm 1's slice offsets assume :math:`M = 3H/4`).

Averaging binary spikes leaves "median spikes" in {1/4, 1/2, 3/4} in the overlaps. The **region
threshold** :math:`Th_R` sets values above it to 1; values at or below it are kept (``fill="keep"``,
the release's CIFAR-100 code, whose gradient passes through the kept values only) or zeroed
(``fill="zero"``, fully binary; the step then gets a straight-through gradient, otherwise no
gradient would reach the cell through a dilated block). Any :math:`Th_R < 1/4` is a logical OR
over the overlapping windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

WINDOW_KINDS = ("regular", "dilated")
REGION_FILLS = ("keep", "zero")


@dataclass(frozen=True)
class WindowGeometry:
    """Four corner windows of side ``window_size`` on a ``map_size`` x ``map_size`` map."""

    map_size: int  # H
    window_size: int  # M
    kind: str  # "regular" or "dilated"

    @property
    def overlap(self) -> int:
        """w_o = 2M - H (0 for the regular partition)."""
        return 2 * self.window_size - self.map_size

    @property
    def offsets(self) -> tuple[tuple[int, int], ...]:
        """(row, column) of each window's top-left pixel, in visiting order."""
        far = self.map_size - self.window_size
        return (0, 0), (0, far), (far, 0), (far, far)


def regular_windows(map_size: int) -> WindowGeometry:
    """Four disjoint quadrants; needs an even side."""
    if map_size < 2 or map_size % 2:
        raise ValueError(f"map_size={map_size!r} is invalid for regular windows; allowed: an even "
                         f"integer >= 2 (the quadrants have side H/2)")
    return WindowGeometry(map_size, map_size // 2, "regular")


def dilated_windows(map_size: int, ratio: float) -> WindowGeometry:
    """Four overlapping corner windows of side ``M = ratio * H``; M must be an integer with 2M > H."""
    if not 0.5 < ratio < 1:
        raise ValueError(f"window_ratio={ratio!r} is invalid; allowed: a number in (0.5, 1) "
                         f"(M = ratio * H must overlap, 2M - H > 0, and be smaller than the map)")
    side = ratio * map_size
    if abs(side - round(side)) > 1e-9 or not 2 * round(side) - map_size > 0 or round(side) >= map_size:
        raise ValueError(f"window_ratio={ratio!r} is invalid for a {map_size}x{map_size} map; allowed: a "
                         f"ratio with M = ratio * H an integer, 2M - H > 0 and M < H (here M = {side:g})")
    return WindowGeometry(map_size, int(round(side)), "dilated")


def window_geometry(map_size: int, kind: str, ratio: float) -> WindowGeometry:
    """The partition ``kind`` of a ``map_size`` map (``ratio`` is used by "dilated" only)."""
    if kind == "regular":
        return regular_windows(map_size)
    if kind == "dilated":
        return dilated_windows(map_size, ratio)
    raise ValueError(f"window kind={kind!r} is invalid; allowed: one of {', '.join(WINDOW_KINDS)}")


def partition(x: Tensor, geometry: WindowGeometry) -> list[Tensor]:
    """Cut ``(B, H, H, C)`` into the 4 windows ``(B, M, M, C)`` (views, in visiting order)."""
    if x.shape[1] != geometry.map_size or x.shape[2] != geometry.map_size:
        raise ValueError(f"map of shape {tuple(x.shape)} does not match the {geometry.map_size}x"
                         f"{geometry.map_size} window geometry")
    m = geometry.window_size
    return [x[:, r:r + m, c:c + m] for r, c in geometry.offsets]


def _fold(windows: list[Tensor], geometry: WindowGeometry) -> Tensor:
    """Sum of the windows placed at their offsets (zero elsewhere), shape ``(B, H, H, C)``."""
    far = geometry.map_size - geometry.window_size
    placed = [F.pad(w, (0, 0, c, far - c, r, far - r)) for w, (r, c) in zip(windows, geometry.offsets)]
    return torch.stack(placed).sum(dim=0)


def coverage(geometry: WindowGeometry, like: Tensor | None = None) -> Tensor:
    """How many windows cover each pixel, ``(H, H, 1)`` (1 everywhere for the regular partition)."""
    m = geometry.window_size
    ones = torch.ones(1, m, m, 1) if like is None else like.new_ones(1, m, m, 1)
    return _fold([ones] * 4, geometry)[0]


def condense(windows: list[Tensor], geometry: WindowGeometry) -> Tensor:
    """Recompose 4 window outputs ``(B, M, M, C)`` into ``(B, H, H, C)`` by overlap averaging."""
    if geometry.kind == "regular":
        top, bottom = torch.cat(windows[:2], dim=2), torch.cat(windows[2:], dim=2)
        return torch.cat([top, bottom], dim=1)
    return _fold(windows, geometry) / coverage(geometry, windows[0])


def region_threshold(x: Tensor, threshold: float | None, fill: str = "keep") -> Tensor:
    """Values ``> threshold`` become 1; the others are kept (``"keep"``) or zeroed (``"zero"``).

    ``threshold=None`` returns ``x`` unchanged (the release's CIFAR-10 models).

    Example:
        >>> region_threshold(torch.tensor([0.0, 0.25, 0.5, 1.0]), 0.3, "keep").tolist()
        [0.0, 0.25, 1.0, 1.0]
    """
    if threshold is None:
        return x
    above = x > threshold
    if fill == "keep":
        return torch.where(above, torch.ones_like(x), x)
    if fill == "zero":
        hard = above.to(x.dtype)
        return hard + (x - x.detach())
    raise ValueError(f"region_fill={fill!r} is invalid; allowed: one of {', '.join(REGION_FILLS)}")
