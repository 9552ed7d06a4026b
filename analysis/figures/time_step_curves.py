"""Accuracy, peak memory and time per epoch against the number of simulation steps T.

One line per model (preset, gradient mode and neuron), each point the mean over seeds with the
standard deviation as an error bar. Where the trials fill rows of the MPIS paper's table A, the
paper's values are drawn as hollow markers of the same colour, so the T-dependence the paper
claims (memory flat in T for MPIS, growing for BPTT) can be checked at a glance.
"""

from __future__ import annotations

import pandas as pd

from analysis.figures.figure_files import new_figure
from analysis.paper_numbers import load_paper_numbers
from analysis.paper_rows import GRADIENT, LEAK, PRESET, TIME_STEPS, label_trials, neuron_label
from analysis.study_error import StudyError
from mpis import metric_names as m

# metric column -> (axis label, scale applied to ours, Table A column of the paper or None)
CURVES = {
    m.BEST_TEST_ACCURACY: ("best test accuracy (%)", 1.0, "accuracy"),
    m.PEAK_MEMORY_MB: ("peak memory (GB)", 1 / 1024, "memory_gb"),
    m.EPOCH_TIME_S: ("time per training epoch (s)", 1.0, "time_s"),
}


def model_label(trial: pd.Series) -> str:
    """"mpis_fmnist, implicit, IF" for a trial row."""
    leak = trial.get(LEAK, 1.0)
    return f"{trial[PRESET]}, {trial.get(GRADIENT, 'implicit')}, {neuron_label(1.0 if pd.isna(leak) else leak)}"


def curve_points(trials: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Columns ``model``, ``T``, ``mean``, ``std``, ``runs`` (mean over seeds of ``metric``)."""
    for column in (PRESET, TIME_STEPS, metric):
        if column not in trials or trials[column].notna().sum() == 0:
            raise StudyError(f"the figure of {metric} against T needs the column {column!r}, which no trial has")
    frame = trials.dropna(subset=[metric, TIME_STEPS]).assign(model=lambda f: f.apply(model_label, axis=1))
    frame["T"] = frame[TIME_STEPS].astype(int)
    grouped = frame.groupby(["model", "T"])[metric]
    return grouped.agg(mean="mean", std="std", runs="count").reset_index()


def _paper_points(trials: pd.DataFrame, paper_column: str) -> pd.DataFrame:
    """Table A's values for the models of ``trials`` that fill its rows: ``model``, ``T``, ``value``."""
    try:
        labelled = label_trials(trials, "A")
    except StudyError:
        return pd.DataFrame(columns=["model", "T", "value"])
    labelled["model"] = labelled.apply(model_label, axis=1)
    models = labelled[["model", "dataset", "method"]].drop_duplicates()
    paper = load_paper_numbers("mpis_vs_bptt").merge(models, on=["dataset", "method"])
    return paper.rename(columns={paper_column: "value"})[["model", "T", "value"]].dropna()


def plot_metric_vs_time_steps(trials: pd.DataFrame, metric: str, *, with_paper: bool = True):
    """A figure of ``metric`` (a key of :data:`CURVES`) against T; returns the matplotlib Figure."""
    label, scale, paper_column = CURVES[metric]
    points = curve_points(trials, metric)
    paper = _paper_points(trials, paper_column) if with_paper else None
    figure, axes = new_figure()
    for index, (model, group) in enumerate(points.groupby("model", sort=True)):
        colour = f"C{index % 10}"
        axes.errorbar(group["T"], group["mean"] * scale, yerr=group["std"].fillna(0) * scale,
                      marker="o", capsize=3, color=colour, label=model)
        if paper is not None and model in set(paper["model"]):
            mine = paper[paper["model"] == model].sort_values("T")
            axes.plot(mine["T"], mine["value"], linestyle="--", marker="o", markerfacecolor="none",
                      color=colour, label=f"{model} (paper)")
    axes.set_xlabel("simulation steps T")
    axes.set_ylabel(label)
    axes.set_title(f"{label} vs T (mean ± std over seeds)")
    if len(axes.get_legend_handles_labels()[1]) > 6:
        axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        axes.legend(fontsize="small")
    return figure


def plot_accuracy_vs_time_steps(trials: pd.DataFrame, **options):
    """Best test accuracy against T."""
    return plot_metric_vs_time_steps(trials, m.BEST_TEST_ACCURACY, **options)


def plot_memory_vs_time_steps(trials: pd.DataFrame, **options):
    """Peak training memory (GB) against T."""
    return plot_metric_vs_time_steps(trials, m.PEAK_MEMORY_MB, **options)


def plot_epoch_time_vs_time_steps(trials: pd.DataFrame, **options):
    """Time per training epoch against T."""
    return plot_metric_vs_time_steps(trials, m.EPOCH_TIME_S, **options)
