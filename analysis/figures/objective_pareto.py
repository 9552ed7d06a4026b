"""The Pareto front over any two or three objectives (``python -m analysis.figures STUDY --out DIR
--pareto accuracy,energy``): one point per usable trial, the non-dominated trials outlined in black.

* two objectives: one scatter, the first objective on the y axis, the front joined by a step line;
* three objectives: the three 2-D projections side by side; the outlined trials are the front over
  all three objectives (a projection can show a front trial behind another point), as the title says.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import pandas as pd

from analysis.pareto import OBJECTIVES, non_dominated, objective_columns
from analysis.study_error import StudyError

UNITS = {"accuracy": "best test accuracy (%)", "energy": "energy per test sample (µJ)",
         "memory": "peak training memory (MB)", "time_steps": "simulation steps per forward"}


def axis_label(name: str) -> str:
    """``"energy per test sample (µJ), energy_uj: lower is better"``."""
    column, mode = OBJECTIVES[name]
    return f"{UNITS[name]}, {column}: {'higher' if mode == 'max' else 'lower'} is better"


def plot_pareto_front(trials: pd.DataFrame, names: tuple[str, ...]):
    """The figure of the module docstring for ``names`` (2 or 3 objective names)."""
    if len(names) not in (2, 3):
        raise StudyError(f"--pareto={','.join(names)} is invalid for a figure; allowed: 2 or 3 objectives")
    objectives = objective_columns(names)
    for column in objectives:
        if column not in trials or trials[column].notna().sum() == 0:
            raise StudyError(f"the Pareto figure needs {column!r}, which no trial reported")
    points = trials.dropna(subset=list(objectives))
    front = non_dominated(points, objectives)
    pairs = [(names[1], names[0])] if len(names) == 2 else list(itertools.combinations(names, 2))
    figure, axes_row = plt.subplots(1, len(pairs), figsize=(6.0 * len(pairs), 4.5), constrained_layout=True,
                                    squeeze=False)
    for axes, (x_name, y_name) in zip(axes_row[0], pairs):
        x, y = OBJECTIVES[x_name][0], OBJECTIVES[y_name][0]
        axes.grid(True, alpha=0.3)
        axes.scatter(points[x], points[y], color="C0", alpha=0.7, label=f"trials ({len(points)})")
        axes.scatter(front[x], front[y], facecolor="none", edgecolor="black", s=90,
                     label=f"Pareto front over {', '.join(names)} ({len(front)})")
        if len(names) == 2:
            line = front.sort_values(x, ascending=OBJECTIVES[x_name][1] == "min")
            axes.step(line[x], line[y], where="post", color="black", linewidth=1.0)
        axes.set_xlabel(axis_label(x_name), fontsize="small")
        axes.set_ylabel(axis_label(y_name), fontsize="small")
        axes.legend(fontsize="small")
    what = "" if len(names) == 2 else ": 2-D projections of the 3-objective front"
    figure.suptitle(f"Pareto front over {', '.join(names)}{what}, one point per trial", fontsize="medium")
    return figure


def pareto_figure_name(names: tuple[str, ...]) -> str:
    """``pareto_accuracy_energy`` (the file stem)."""
    return "pareto_" + "_".join(names)
