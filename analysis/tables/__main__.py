"""``python -m analysis.tables STUDY_DIR --table A --format markdown`` prints one table.

``--out FILE`` writes it instead; ``--table all`` prints every table that has data (others are
listed with the reason they are missing). Without ``--table`` the study's own table is printed
(``mpis_study.json``: mpis_vs_bptt -> A, mpis_vs_ide -> B, ide_static/ide_cifar -> C, else E).
Bad input exits with status 2 and a one-line message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.study_error import exit_on_study_error
from analysis.study_files import read_study_info
from analysis.tables.available import build_available_tables
from analysis.tables.export import EXPORTERS
from analysis.tables.registry import TABLES, build_table

STUDY_TABLES = {"mpis_vs_bptt": "A", "mpis_vs_ide": "B", "ide_static": "C", "ide_cifar": "C"}


def default_table(study_dir: Path) -> str:
    """The table the study was run for (its ``mpis_study.json`` "table"), else E (best configurations)."""
    return STUDY_TABLES.get(read_study_info(study_dir).get("table") or "", "E")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m analysis.tables", description=__doc__.split("\n")[0])
    parser.add_argument("study_dir", type=Path, help="Ray Tune experiment directory of a study")
    parser.add_argument("--table", choices=[*TABLES, "all"],
                        help="A: MPIS vs BPTT, B: MPIS vs IDE, C: IDE accuracy, D: firing rates, "
                             "E: best configurations, M: IDE memory by T, all: every table with data")
    parser.add_argument("--format", default="markdown", choices=list(EXPORTERS))
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    return parser.parse_args(argv)


def render_tables(study_dir: Path, names: list[str], export) -> str:
    """The exported tables; with several names, a table without data becomes a one-line note."""
    if len(names) == 1:
        return export(build_table(study_dir, names[0]))
    report = build_available_tables(study_dir)
    return "\n".join(export(report.tables[name]) if name in report.tables
                     else f"(table {name} skipped: {report.missing[name]})\n" for name in names)


@exit_on_study_error
def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    table = arguments.table or default_table(arguments.study_dir)
    names = list(TABLES) if table == "all" else [table]
    text = render_tables(arguments.study_dir, names, EXPORTERS[arguments.format])
    if arguments.out:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        arguments.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
