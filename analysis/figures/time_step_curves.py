"""Accuracy, peak memory and time per epoch against the number of simulation steps T.

One line per model (preset, gradient mode and neuron). What a point aggregates is said in the title
and next to the point:

* the trials at (model, T) differ only in their seed: the mean over those seeds, the error bar their
  standard deviation ("n=3": seeds; one seed: no bar);
* they are several configurations (a sweep): the point is the best configuration by the study's
  metric (:func:`analysis.trial_ranking.rank_trials`), "best of n" configurations, its error bar the
  standard deviation over that configuration's seeds.

Memory says what was measured (``memory_kind``: CUDA peak allocated, or CPU peak RSS including the
runtime); memory and time axes start at 0. Where the trials fill rows of the MPIS paper's table A,
the paper's values are drawn as hollow markers of the same colour, so the T-dependence the paper
claims (memory flat in T for MPIS, growing for BPTT) can be checked at a glance.
"""

from __future__ import annotations

import pandas as pd

from analysis.figures.figure_files import new_figure
from analysis.figures.memory_kind import memory_measured
from analysis.load_results import config_columns
from analysis.paper_numbers import load_paper_numbers
from analysis.paper_rows import (
    GRADIENT,
    LEAK,
    PRESET,
    TIME_STEPS,
    label_trials,
    neuron_label,
)
from analysis.study_error import StudyError
from analysis.trial_ranking import rank_trials
from mpis import metric_names as m

# metric column -> (axis label, scale applied to ours, Table A column of the paper or None, axis from 0)
CURVES = {
    m.BEST_TEST_ACCURACY: ("best test accuracy (%)", 1.0, "accuracy", False),
    m.PEAK_MEMORY_MB: ("peak training memory (GB)", 1 / 1024, "memory_gb", True),
    m.EPOCH_TIME_S: ("time per training epoch (s)", 1.0, "time_s", True),
}
SEEDS, BEST_CONFIGURATION = "seeds", "best configuration"


def model_label(trial: pd.Series) -> str:
    """"mpis_fmnist, implicit, IF" for a trial row."""
    leak, gradient = trial.get(LEAK, 1.0), trial.get(GRADIENT, "implicit")
    gradient = "implicit" if not isinstance(gradient, str) else gradient  # a config that omits it: the default
    return f"{trial[PRESET]}, {gradient}, {neuron_label(1.0 if pd.isna(leak) else leak)}"


def _configuration_keys(frame: pd.DataFrame) -> pd.Series:
    """Per trial, its configuration: every config value but the seed, as one string."""
    keys = [c for c in config_columns(frame) if c != "seed"]
    return frame[keys].map(str).agg("|".join, axis=1) if keys else pd.Series("", index=frame.index)


def curve_points(trials: pd.DataFrame, metric: str, *, rank_by: str = m.BEST_TEST_ACCURACY,
                 mode: str = "max") -> pd.DataFrame:
    """Columns ``model``, ``T``, ``mean``, ``std``, ``runs`` (seeds averaged), ``configurations`` (at
    that point) and ``aggregate`` ("seeds" or "best configuration", see the module docstring)."""
    for column in (PRESET, TIME_STEPS, metric):
        if column not in trials or trials[column].notna().sum() == 0:
            raise StudyError(f"the figure of {metric} against T needs the column {column!r}, which no trial has")
    frame = trials.dropna(subset=[metric, TIME_STEPS]).assign(model=lambda f: f.apply(model_label, axis=1))
    frame = frame.assign(T=frame[TIME_STEPS].astype(int), _configuration=_configuration_keys(frame))
    rows = []
    for (model, steps), group in frame.groupby(["model", "T"], sort=True):
        configurations = group["_configuration"].nunique()
        if configurations > 1:
            ranked = rank_trials(group, rank_by, mode)
            chosen = ranked["_configuration"].iloc[0] if not ranked.empty else group["_configuration"].iloc[0]
            group = group[group["_configuration"] == chosen]
        values = group[metric].astype(float)
        rows.append({"model": model, "T": steps, "mean": values.mean(), "std": values.std(), "runs": len(values),
                     "configurations": configurations,
                     "aggregate": SEEDS if configurations == 1 else BEST_CONFIGURATION})
    return pd.DataFrame(rows)


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


def points_title(label: str, points: pd.DataFrame, rank_by: str) -> str:
    """What the points and error bars of the figure are."""
    if (points["aggregate"] == BEST_CONFIGURATION).any():
        return (f"{label} vs T\nper point: the best of n configurations by {rank_by}; "
                "bar: std over its seeds")
    if (points["runs"] > 1).any():
        return f"{label} vs T\nper point: mean ± std over n seeds of one configuration"
    return f"{label} vs T\nper point: one run (no error bar)"


def plot_metric_vs_time_steps(trials: pd.DataFrame, metric: str, *, with_paper: bool = True,
                              rank_by: str = m.BEST_TEST_ACCURACY, mode: str = "max"):
    """A figure of ``metric`` (a key of :data:`CURVES`) against T; returns the matplotlib Figure."""
    label, scale, paper_column, from_zero = CURVES[metric]
    points = curve_points(trials, metric, rank_by=rank_by, mode=mode)
    paper = _paper_points(trials, paper_column) if with_paper else None
    figure, axes = new_figure(6.4, 4.4)
    for index, (model, group) in enumerate(points.groupby("model", sort=True)):
        colour = f"C{index % 10}"
        axes.errorbar(group["T"], group["mean"] * scale, yerr=group["std"].fillna(0) * scale,
                      marker="o", capsize=3, color=colour, label=model)
        for point in group.itertuples():
            note = f"best of {point.configurations}" if point.aggregate == BEST_CONFIGURATION else \
                (f"n={point.runs}" if point.runs > 1 else "")
            if note:
                axes.annotate(note, (point.T, point.mean * scale), textcoords="offset points", xytext=(4, 4),
                              fontsize="x-small", color=colour)
        if paper is not None and model in set(paper["model"]):
            mine = paper[paper["model"] == model].sort_values("T")
            axes.plot(mine["T"], mine["value"], linestyle="--", marker="o", markerfacecolor="none",
                      color=colour, label=f"{model} (paper)")
    axes.set_xlabel("simulation steps T")
    axes.set_ylabel(label)
    if from_zero:
        axes.set_ylim(bottom=0)
    title = points_title(label, points, rank_by)
    if metric == m.PEAK_MEMORY_MB:
        title += "\n" + memory_measured(trials)
    axes.set_title(title, fontsize="medium")
    if len(axes.get_legend_handles_labels()[1]) > 6:
        axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        axes.legend(fontsize="small")
    return figure


def plot_accuracy_vs_time_steps(trials: pd.DataFrame, **options):
    """Best test accuracy against T."""
    return plot_metric_vs_time_steps(trials, m.BEST_TEST_ACCURACY, **options)


def plot_memory_vs_time_steps(trials: pd.DataFrame, **options):
    """Peak training memory (GB) against T; the axis label says what was measured."""
    return plot_metric_vs_time_steps(trials, m.PEAK_MEMORY_MB, **options)


def plot_epoch_time_vs_time_steps(trials: pd.DataFrame, **options):
    """Time per training epoch against T."""
    return plot_metric_vs_time_steps(trials, m.EPOCH_TIME_S, **options)
