"""Accuracy against peak memory for every usable trial (one point per trial), with the Pareto front
drawn as a step line; the title says what memory was measured (``memory_kind``); the axis starts at 0."""

from __future__ import annotations

import pandas as pd

from analysis.figures.figure_files import new_figure
from analysis.figures.memory_kind import memory_measured
from analysis.figures.time_step_curves import model_label
from analysis.pareto import pareto_front
from analysis.study_error import StudyError
from mpis import metric_names as m

PRESET = "model.preset"


def plot_accuracy_vs_memory(trials: pd.DataFrame, *, accuracy: str = m.BEST_TEST_ACCURACY,
                            memory: str = m.PEAK_MEMORY_MB):
    """Scatter of ``accuracy`` against ``memory`` (GB), one colour per model (preset, gradient, neuron),
    the Pareto front in black."""
    for column in (accuracy, memory):
        if column not in trials or trials[column].notna().sum() == 0:
            raise StudyError(f"the accuracy-vs-memory figure needs {column!r}, which no trial reported")
    points = trials.dropna(subset=[accuracy, memory]).assign(memory_gb=lambda f: f[memory] / 1024)
    figure, axes = new_figure()
    if PRESET in points:
        points["model"] = points.apply(model_label, axis=1)
    groups = points.groupby("model", sort=True) if PRESET in points else [("trials", points)]
    for index, (model, group) in enumerate(groups):
        axes.scatter(group["memory_gb"], group[accuracy], color=f"C{index % 10}", label=str(model), alpha=0.8)
    front = pareto_front(points, maximise=accuracy, minimise="memory_gb")
    axes.step(front["memory_gb"], front[accuracy], where="post", color="black", linewidth=1.2,
              label=f"Pareto front ({len(front)} trials)")
    axes.scatter(front["memory_gb"], front[accuracy], facecolor="none", edgecolor="black", s=90)
    axes.set_xlabel("peak training memory (GB)")
    axes.set_xlim(left=0)
    axes.set_ylabel("best test accuracy (%)")
    axes.set_title(f"Accuracy vs memory, one point per trial ({len(points)}): higher and further left is better"
                   f"\nmemory {memory_measured(points)}", fontsize="medium")
    axes.legend(fontsize="small")
    return figure
