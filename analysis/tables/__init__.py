"""The papers' tables with our numbers beside them: A (MPIS vs BPTT), B (MPIS vs IDE), C (IDE
accuracy over seeds), D (firing rates per layer), M (IDE memory by T), and the study's own:
E (best configurations) and F (best trial per method).

Example (needs a study directory)::

    table = build_table("results/fmnist_sweep", "A")  # or "mpis_vs_bptt"
    print(to_markdown(table))
"""

from analysis.tables.available import MissingTable, TableReport, build_available_tables
from analysis.tables.export import EXPORTERS, to_csv, to_latex, to_markdown
from analysis.tables.paper_table import PaperTable
from analysis.tables.registry import TABLE_NAMES, TABLES, build_from_trials, build_table

__all__ = ["TABLES", "TABLE_NAMES", "build_table", "build_from_trials", "build_available_tables", "TableReport",
           "MissingTable", "EXPORTERS", "to_csv", "to_latex", "to_markdown", "PaperTable"]
