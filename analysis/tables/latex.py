r"""A :class:`PaperTable` as a LaTeX fragment: one booktabs ``table`` float to ``\input`` into a paper.

The fragment needs ``\usepackage{booktabs,adjustbox}`` (its first line, a comment, says so). The
caption is the title without its "Table X" prefix (LaTeX numbers the table itself), followed by a
``\label`` (``tab:<letter>-<study>``); the tabular is shrunk to the line width when it is wider
(``adjustbox`` ``max width``, never enlarged); the notes follow in small print, with the full names of
columns printed under a short header. Cell text is escaped (``\ & % $ # _ { } ~ ^``), and the Greek
and math symbols the tables use become math mode.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.tables.cells import formatted_cells
from analysis.tables.paper_table import PaperTable

LATEX_REPLACEMENTS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                      "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
                      "λ": r"$\lambda$", "Δ": r"$\Delta$", "±": r"$\pm$", "−": r"$-$", "÷": r"$\div$",
                      "≈": r"$\approx$", "—": "--", "–": "--", "≥": r"$\geq$", "≤": r"$\leq$",
                      "×": r"$\times$", "→": r"$\rightarrow$", "µ": r"$\mu$", "μ": r"$\mu$", "§": r"\S{}",
                      "…": r"\ldots{}", "·": r"$\cdot$", "<": r"\textless{}", ">": r"\textgreater{}",
                      "|": r"\textbar{}"}
TITLE_PREFIX = re.compile(r"^Table (?P<letter>\w+)(?: \((?P<source>[^)]*)\))?: (?P<rest>.+)$")
PACKAGES = r"% needs \usepackage{booktabs,adjustbox}; written by python -m analysis.tables"


def escape_latex(text: str) -> str:
    """Escape LaTeX specials and turn the Greek and math symbols we use into math mode."""
    return "".join(LATEX_REPLACEMENTS.get(character, character) for character in str(text))


def latex_caption(title: str) -> str:
    """"Table A (MPIS paper): MPIS vs BPTT ..." -> "MPIS vs BPTT ... (MPIS paper)"; "Table E: best
    configurations of x" -> "Best configurations of x"; other titles as they are."""
    match = TITLE_PREFIX.match(title)
    if not match:
        return title
    rest = match["rest"][:1].upper() + match["rest"][1:]
    return f"{rest} ({match['source']})" if match["source"] else rest


def latex_label(table: PaperTable) -> str:
    """The table's label, else one made from its title: letters, digits and dashes only."""
    if table.label:
        return table.label
    return "tab:" + (re.sub(r"[^a-z0-9]+", "-", table.title.lower()).strip("-")[:40] or "table")


def to_latex(table: PaperTable) -> str:
    """The fragment described in the module docstring."""
    columns = list(table.frame.columns)
    numeric = [pd.api.types.is_numeric_dtype(table.frame[c]) for c in columns]
    align = "".join("r" if is_number else "l" for is_number in numeric)
    header = [table.short_names.get(c, c) for c in columns]
    lines = [PACKAGES, r"\begin{table}[t]", r"\centering", r"\small",
             rf"\caption{{{escape_latex(latex_caption(table.title))}}}", rf"\label{{{latex_label(table)}}}",
             r"\begin{adjustbox}{max width=\linewidth}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(escape_latex(c) for c in header) + r" \\", r"\midrule"]
    lines += [" & ".join(escape_latex(cell) for cell in row) + r" \\" for row in formatted_cells(table)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{adjustbox}"]
    renamed = [f"{short} = {full}" for full, short in table.short_names.items() if full in columns and short != full]
    notes = [*table.notes, *(["Columns: " + "; ".join(renamed) + "."] if renamed else [])]
    lines += [r"\par\footnotesize " + escape_latex(note) for note in notes]
    return "\n".join(lines + [r"\end{table}"]) + "\n"
