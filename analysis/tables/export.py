"""Print a :class:`PaperTable` as markdown, LaTeX (booktabs) or CSV.

Markdown and LaTeX show the title, the formatted table (blank cells as "—") and the notes, which
name the hardware ours ran on. CSV keeps the raw numbers (the hardware is a column).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.tables.paper_table import PaperTable

BLANK = "—"
LATEX_REPLACEMENTS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                      "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
                      "λ": r"$\lambda$", "Δ": r"$\Delta$", "±": r"$\pm$", "−": r"$-$", "÷": r"$\div$",
                      "≈": r"$\approx$", "—": "--", "≥": r"$\geq$", "≤": r"$\leq$"}


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


def to_markdown(table: PaperTable) -> str:
    """Title in bold, a GitHub-flavoured markdown table, then the notes as a bullet list."""
    header = [str(c) for c in table.frame.columns]
    lines = [f"**{table.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in formatted_cells(table)]
    return "\n".join(lines + [""] + [f"- {note}" for note in table.notes]) + "\n"


def escape_latex(text: str) -> str:
    """Escape LaTeX specials and turn the Greek and math symbols we use into math mode."""
    return "".join(LATEX_REPLACEMENTS.get(character, character) for character in str(text))


def to_latex(table: PaperTable) -> str:
    """A booktabs ``table`` with the title as caption and the notes under the tabular."""
    numeric = [pd.api.types.is_numeric_dtype(table.frame[c]) for c in table.frame.columns]
    align = "".join("r" if is_number else "l" for is_number in numeric)
    lines = [r"\begin{table}[t]", r"\centering", r"\small", rf"\caption{{{escape_latex(table.title)}}}",
             rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(escape_latex(c) for c in table.frame.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(escape_latex(cell) for cell in row) + r" \\" for row in formatted_cells(table)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += [r"\par\footnotesize " + escape_latex(note) for note in table.notes]
    return "\n".join(lines + [r"\end{table}"]) + "\n"


def to_csv(table: PaperTable) -> str:
    """The frame as CSV with raw (unformatted) numbers."""
    return table.frame.to_csv(index=False)


EXPORTERS = {"markdown": to_markdown, "latex": to_latex, "csv": to_csv}
