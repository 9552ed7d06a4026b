"""Save a matplotlib figure as PNG and SVG, and close it. (On a machine without a display
matplotlib picks its non-interactive Agg backend by itself.)"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

FIGURE_FORMATS = ("png", "svg")


def save_figure(figure: Figure, out_dir: str | Path, stem: str, *, dpi: int = 150) -> list[Path]:
    """Write ``<out_dir>/<stem>.png`` and ``.svg``; returns the paths. The figure is closed."""
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for extension in FIGURE_FORMATS:
        path = directory / f"{stem}.{extension}"
        figure.savefig(path, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    plt.close(figure)
    return paths


def new_figure(width: float = 6.0, height: float = 4.0):
    """A figure with one axes and a light grid: ``(figure, axes)``."""
    figure, axes = plt.subplots(figsize=(width, height), constrained_layout=True)
    axes.grid(True, alpha=0.3)
    return figure, axes
