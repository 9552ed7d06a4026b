"""The papers' tables with our numbers beside them: A (MPIS vs BPTT), B (MPIS vs IDE), C (IDE
accuracy over seeds), D (firing rates per layer), M (IDE memory by T) and E (best configurations).

>>> table = build_table("results/fmnist_sweep", "A")  # doctest: +SKIP
>>> print(to_markdown(table))                          # doctest: +SKIP
"""

from analysis.tables.available import MissingTable, TableReport, build_available_tables
from analysis.tables.registry import TABLES, build_table
from analysis.tables.export import EXPORTERS, to_csv, to_latex, to_markdown
from analysis.tables.paper_table import PaperTable

__all__ = ["TABLES", "build_table", "build_available_tables", "TableReport", "MissingTable", "EXPORTERS", "to_csv", "to_latex", "to_markdown", "PaperTable"]
