"""Optuna's hyperparameter importances as a horizontal bar chart (most important on top).

Given an :class:`analysis.optuna_importance.ImportanceReport`, the axis names the method (PED-ANOVA,
Optuna's default evaluator) and the completed trials it rests on, and a parameter backed by few
completed trials (set in only some of them, or a value with fewer than 2) is starred, the reason
printed under the chart.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from analysis.figures.figure_files import new_figure
from analysis.optuna_importance import ImportanceReport


def plot_hyperparameter_importances(importances: ImportanceReport | pd.Series, *,
                                    title: str = "Hyperparameter importances"):
    """Bars of the importances (a report, or a Series name -> importance of unknown method)."""
    report = importances if isinstance(importances, ImportanceReport) else \
        ImportanceReport(importances, "method not given", 0, {})
    ordered = report.importances.sort_values()
    names = [f"{name} *" if name in report.caveats else name for name in ordered.index]
    caveats = [f"* {name}: {why}" for name, why in report.caveats.items() if name in ordered.index]
    wrapped = [line for caveat in caveats for line in textwrap.wrap(caveat, 95)]
    figure, axes = new_figure(6.5, 0.8 + 0.4 * max(len(ordered), 2) + 0.18 * len(wrapped))
    axes.barh(names, ordered.to_numpy(), color="C0")
    for y, value in enumerate(ordered.to_numpy()):
        axes.text(value, y, f" {value:.2f}", va="center", fontsize="small")
    trials = f", {report.completed} completed Optuna trials" if report.completed else ""
    axes.set_xlabel(f"importance, sums to 1 ({report.method}{trials})", fontsize="small")
    axes.set_title(title)
    if wrapped:
        figure.text(0.0, -0.02, "\n".join(wrapped), fontsize="x-small", va="top", ha="left")
    return figure
