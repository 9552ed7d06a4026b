"""Put the paper's rows and ours side by side: the paper's value, ours and the difference (ours − paper).

Rows are matched on key columns (dataset, method, T, ...). Every paper row is kept in the paper's
order (ours blank where we have no run); our rows that the paper lacks (another T, say) follow.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class ValueColumn(NamedTuple):
    label: str  # printed name, e.g. "Acc %"
    paper: str | None  # column of the paper frame (None: the paper has no such value)
    ours: str | None  # column of our summary (None: we have no such value)
    difference: bool = True  # add a "Δ <label>" column = ours − paper


def compare_with_paper(paper: pd.DataFrame, ours: pd.DataFrame, keys: list[str],
                       values: list[ValueColumn], *, context: list[str] = ()) -> pd.DataFrame:
    """Outer join of ``paper`` and ``ours`` on ``keys``; ``context`` columns (architecture, note)
    come from the paper, and ``runs`` and ``hardware`` from ours."""
    paper = paper.assign(_order=range(len(paper)))
    merged = paper.merge(ours, on=keys, how="outer", suffixes=(" paper", " ours"))
    merged = merged.sort_values("_order", na_position="last", kind="stable")
    table = pd.DataFrame({key: merged[key].to_numpy() for key in keys})
    for column in context:
        if column in merged:
            table[column] = merged[column].to_numpy()
    table["runs"] = merged["runs"].fillna(0).astype(int).to_numpy() if "runs" in merged else 0
    for value in values:
        paper_values = _column(merged, value.paper, " paper")
        our_values = _column(merged, value.ours, " ours")
        table[f"{value.label} (paper)"] = paper_values
        table[f"{value.label} (ours)"] = our_values
        if value.difference:
            table[f"Δ {value.label}"] = our_values - paper_values
    table["hardware (ours)"] = merged["hardware"].fillna("").to_numpy() if "hardware" in merged else ""
    return table.reset_index(drop=True)


def _column(merged: pd.DataFrame, name: str | None, suffix: str):
    """The named column (with its merge suffix when both sides had it), as floats; NaN if absent."""
    if name is None:
        return pd.Series(float("nan"), index=range(len(merged))).to_numpy()
    column = name + suffix if name + suffix in merged else name
    if column not in merged:
        return pd.Series(float("nan"), index=range(len(merged))).to_numpy()
    return pd.to_numeric(merged[column], errors="coerce").to_numpy(dtype=float)
