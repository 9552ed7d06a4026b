"""Table cells as text: blanks as "—", counts as the papers write them ("229.6K"), floats by the
column's format spec."""

from __future__ import annotations

import math

import pandas as pd

from analysis.tables.paper_table import PaperTable

BLANK = "—"


def format_count(value: float) -> str:
    """229643 -> "229.6K", 3.7e6 -> "3.7M" (the papers write counts this way)."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.0f}"


def format_cell(value, spec: str | None) -> str:
    """One cell as text: blanks become "—", floats use ``spec`` (default ".2f"), "count" as above."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == "":
        return BLANK
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if spec == "count":
        return format_count(float(value))
    if isinstance(value, int) and spec is None:
        return str(value)
    return format(float(value), spec or ".2f")


def formatted_cells(table: PaperTable) -> list[list[str]]:
    """The table's rows as lists of formatted strings."""
    columns = list(table.frame.columns)
    return [[format_cell(_plain(value), table.formats.get(column)) for column, value in zip(columns, row)]
            for row in table.frame.itertuples(index=False)]


def _plain(value):
    """numpy scalars to Python ints/floats, so integers print without decimals."""
    return value.item() if hasattr(value, "item") else value
