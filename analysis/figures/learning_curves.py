"""Per-epoch learning curves of every trial of a sweep, coloured by a config column."""

from __future__ import annotations

import pandas as pd

from analysis.figures.figure_files import new_figure
from analysis.study_error import StudyError
from mpis import metric_names as m


def plot_learning_curves(histories: pd.DataFrame, trials: pd.DataFrame, *, metric: str = m.TEST_ACCURACY,
                         colour_by: str = "model.preset"):
    """``metric`` against epoch, one line per trial, one colour per value of ``colour_by``;
    diverged and errored trials are dashed."""
    if metric not in histories or histories[metric].notna().sum() == 0:
        raise StudyError(f"no trial reported {metric!r} per epoch")
    info = trials.set_index("trial_id")
    groups = info[colour_by].astype(str) if colour_by in info else pd.Series("trials", index=info.index)
    colours = {value: f"C{i % 10}" for i, value in enumerate(sorted(groups.unique()))}
    figure, axes = new_figure()
    labelled = set()
    for trial_id, history in histories.dropna(subset=[metric]).groupby("trial_id"):
        group = groups.get(trial_id, "unknown")
        failed = info["status"].get(trial_id) in ("diverged", "error") if "status" in info else False
        axes.plot(history[m.EPOCH] if m.EPOCH in history else range(1, len(history) + 1), history[metric],
                  color=colours.get(group, "grey"), linestyle="--" if failed else "-", alpha=0.8,
                  label=None if group in labelled else group)
        labelled.add(group)
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    axes.set_title(f"{metric} per epoch, by {colour_by} (dashed: failed)")
    axes.legend(fontsize="small")
    return figure
