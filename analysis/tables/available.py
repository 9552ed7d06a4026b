"""Every table a study has data for, and why the others are missing (for notebooks and ``--table all``).

Example (needs a study directory)::

    report = build_available_tables("results/ide_table_static")
    report["C"]        # the PaperTable, rendered as markdown in Jupyter
    report.missing     # {"A": "table A has no data: it needs trials of ...", ...}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from analysis.load_results import load_trials, successful_trials
from analysis.study_error import StudyError
from analysis.study_files import read_study_info
from analysis.tables.paper_table import PaperTable
from analysis.tables.registry import TABLES, build_from_trials


class MissingTable(NamedTuple):
    name: str
    reason: str

    def _repr_markdown_(self) -> str:
        return f"*Table {self.name} is not available: {self.reason}*"


@dataclass(frozen=True)
class TableReport:
    tables: dict[str, PaperTable]
    missing: dict[str, str]  # table name -> why it has no data

    def __getitem__(self, name: str) -> PaperTable | MissingTable:
        """The table, or a :class:`MissingTable` that says why it is not there."""
        return self.tables.get(name) or MissingTable(name, self.missing.get(name, f"no table {name!r}"))


def build_available_tables(study_dir: str | Path, *, top: int | None = None) -> TableReport:
    """All tables of :data:`TABLES` for the study (``top``: rows of Table E); a bad or fully failed
    study raises StudyError."""
    all_trials = load_trials(study_dir)
    trials = successful_trials(all_trials, study_dir)
    info = read_study_info(study_dir)
    tables, missing = {}, {}
    for name in TABLES:
        try:
            tables[name] = build_from_trials(name, trials, info, all_trials, top=top)
        except StudyError as error:
            missing[name] = str(error)
    return TableReport(tables, missing)
