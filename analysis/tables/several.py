"""Several tables in one output (``--table all``), each format still one valid document:

* markdown: the tables one after the other; a table without data is an italic line saying why;
* LaTeX: the ``table`` floats one after the other; a table without data is a ``%`` comment line;
* CSV: one CSV whose first column ``table`` names each row's table (the columns are the union of the
  tables'; a column a table lacks is blank), after ``#`` lines with every title, its notes and the
  tables without data: ``pandas.read_csv(path, comment="#")`` reads it.
"""

from __future__ import annotations

import pandas as pd

from analysis.tables.available import TableReport
from analysis.tables.export import EXPORTERS, csv_comments, frame_to_csv

TABLE_COLUMN = "table"


def skipped_line(name: str, reason: str, format_name: str) -> str:
    """The line that says table ``name`` has no data, as a comment of the format."""
    text = f"Table {name} skipped: {reason}"
    return {"markdown": f"*{text}*\n", "latex": f"% {' '.join(text.split())}\n", "csv": f"# {text}"}[format_name]


def render_csv(report: TableReport, names: list[str]) -> str:
    """The one CSV described in the module docstring."""
    comments, frames = [], []
    for name in names:
        if name in report.tables:
            table = report.tables[name]
            comments += csv_comments(table)
            frames.append(table.frame.assign(**{TABLE_COLUMN: name}))
        else:
            comments.append(skipped_line(name, report.missing[name], "csv"))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if TABLE_COLUMN in frame:
        frame = frame[[TABLE_COLUMN, *[c for c in frame.columns if c != TABLE_COLUMN]]]
    return "\n".join(comments) + "\n" + (frame_to_csv(frame) if frames else "")


def render_several(report: TableReport, names: list[str], format_name: str) -> str:
    """Tables ``names`` of ``report`` in ``format_name`` ("markdown", "latex" or "csv")."""
    if format_name == "csv":
        return render_csv(report, names)
    export = EXPORTERS[format_name]
    return "\n".join(export(report.tables[name]) if name in report.tables
                     else skipped_line(name, report.missing[name], format_name) for name in names)
