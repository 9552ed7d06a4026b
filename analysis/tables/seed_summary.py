"""Aggregate the trials of one paper row over seeds, as the papers report them.

Per group: ``runs``; the accuracy of a run is its best test accuracy over epochs (the IDE scripts'
"best"), summarised as ``accuracy_mean``, ``accuracy_std`` (sample std, ddof = 1; NaN for one run)
and ``accuracy_best``; ``epoch_time_s`` and ``peak_memory_gb`` are means over runs (peak memory
in MB / 1024); ``parameters`` and ``neurons`` the runs' value; ``hardware`` the devices they ran on.
"""

from __future__ import annotations

import pandas as pd

from mpis import metric_names as m

MB_PER_GB = 1024.0


def _joined(values: pd.Series) -> str:
    return ", ".join(sorted({str(v) for v in values.dropna()})) or "unknown"


def _mean_of(group: pd.DataFrame, column: str) -> float:
    return float(group[column].mean()) if column in group else float("nan")


def _summarise_group(group: pd.DataFrame) -> pd.Series:
    accuracy = group[m.BEST_TEST_ACCURACY] if m.BEST_TEST_ACCURACY in group else pd.Series(dtype=float)
    row = {
        "runs": len(group),
        "accuracy_mean": accuracy.mean(),
        "accuracy_std": accuracy.std(ddof=1) if accuracy.count() > 1 else float("nan"),
        "accuracy_best": accuracy.max(),
        "epoch_time_s": _mean_of(group, m.EPOCH_TIME_S),
        "peak_memory_gb": _mean_of(group, m.PEAK_MEMORY_MB) / MB_PER_GB,
        "parameters": _mean_of(group, m.PARAMETERS),
        "neurons": _mean_of(group, m.NEURONS),
        "memory_kind": _joined(group[m.MEMORY_KIND]) if m.MEMORY_KIND in group else "unknown",
        "hardware": _joined(group[m.DEVICE]) if m.DEVICE in group else "unknown",
    }
    for column in group.columns:
        if column.startswith(m.FIRING_RATE_LAYER_PREFIX) or column == m.FIRING_RATE_TOTAL:
            row[column] = group[column].mean()
    return pd.Series(row)


def summarise_over_seeds(labelled: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per distinct ``keys`` (e.g. dataset, method, T) with the statistics above."""
    groups = labelled.groupby(keys, dropna=False, sort=True)
    rows = [pd.concat([pd.Series(dict(zip(keys, key if isinstance(key, tuple) else (key,)))),
                       _summarise_group(group)]) for key, group in groups]
    return pd.DataFrame(rows).reset_index(drop=True)
