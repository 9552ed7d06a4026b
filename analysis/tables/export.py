"""Print a :class:`PaperTable` as markdown, LaTeX (booktabs, :mod:`analysis.tables.latex`) or CSV.

Markdown and LaTeX show the title, the formatted table (blank cells as "—") and the notes, which
name the hardware ours ran on. CSV keeps the raw numbers: the title and notes come first as ``#``
comment lines and every text cell is quoted (so a ``#`` inside one is no comment); read it with
``pandas.read_csv(path, comment="#")``.
"""

from __future__ import annotations

import csv

import pandas as pd

from analysis.tables.cells import BLANK, format_cell, format_count, formatted_cells
from analysis.tables.latex import escape_latex, to_latex
from analysis.tables.paper_table import PaperTable

CSV_COMMENT = "#"


def to_markdown(table: PaperTable) -> str:
    """Title in bold, a GitHub-flavoured markdown table, then the notes as a bullet list."""
    header = [str(c) for c in table.frame.columns]
    lines = [f"**{table.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in formatted_cells(table)]
    return "\n".join(lines + [""] + [f"- {note}" for note in table.notes]) + "\n"


def csv_comments(table: PaperTable) -> list[str]:
    """The title and the notes as ``#`` comment lines."""
    return [f"{CSV_COMMENT} {table.title}", *(f"{CSV_COMMENT}   {note}" for note in table.notes)]


def frame_to_csv(frame: pd.DataFrame) -> str:
    """Raw numbers unquoted, every text cell quoted; blank cells empty."""
    return frame.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)


def to_csv(table: PaperTable) -> str:
    """``#`` lines (title, notes), then the frame as CSV with raw (unformatted) numbers."""
    return "\n".join(csv_comments(table)) + "\n" + frame_to_csv(table.frame)


EXPORTERS = {"markdown": to_markdown, "latex": to_latex, "csv": to_csv}
__all__ = ["EXPORTERS", "to_markdown", "to_latex", "to_csv", "escape_latex", "format_cell", "format_count",
           "formatted_cells", "frame_to_csv", "csv_comments", "BLANK"]
