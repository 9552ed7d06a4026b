"""Optuna's hyperparameter importances as a horizontal bar chart (most important on top)."""

from __future__ import annotations

import pandas as pd

from analysis.figures.figure_files import new_figure


def plot_hyperparameter_importances(importances: pd.Series, *, title: str = "Hyperparameter importances"):
    """Bars of ``importances`` (name -> importance, e.g. from ``hyperparameter_importances``)."""
    ordered = importances.sort_values()
    figure, axes = new_figure(6.0, 0.5 + 0.4 * max(len(ordered), 2))
    axes.barh(list(ordered.index), ordered.to_numpy(), color="C0")
    for y, value in enumerate(ordered.to_numpy()):
        axes.text(value, y, f" {value:.2f}", va="center", fontsize="small")
    axes.set_xlabel("importance (Optuna, sums to 1)")
    axes.set_title(title)
    return figure
