"""``python -m analysis.tables STUDY_DIR --table A --format markdown`` prints one table.

``--table`` takes a letter or a name (A mpis_vs_bptt, B mpis_vs_ide, C ide_accuracy, D firing_rates,
E best_configs, F best_per_method, M ide_memory) or ``all``: every table that has data, the others
named with the reason they are missing (as comments of the format; ``--format csv`` then gives one
CSV with a ``table`` column). Without ``--table`` the study's own table is printed
(``mpis_study.json``: mpis_vs_bptt -> A, mpis_vs_ide -> B, ide_static/ide_cifar -> C, else E).
``--pareto accuracy,energy`` (any two or more of accuracy, energy, memory, time_steps) prints the
non-dominated trials over those objectives instead (``analysis.tables.pareto_table``).
``--top N``: rows of Table E (default 10). ``--out FILE`` writes the output instead of printing it.
Bad input (a missing study, ``--top 0``, an unknown objective, an ``--out`` that is a folder or cannot be written) exits
with status 2 and a one-line message before any table is built.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.command_line import OneLineParser, positive_int, require_output_file
from analysis.pareto import parse_objectives
from analysis.study_error import StudyError, exit_on_study_error
from analysis.study_files import find_trial_dirs, read_study_info
from analysis.tables.available import build_available_tables
from analysis.tables.export import EXPORTERS
from analysis.tables.pareto_table import build_pareto_table
from analysis.tables.registry import (
    RANKED_TABLES,
    TABLE_NAMES,
    TABLES,
    build_table,
    table_letter,
)
from analysis.tables.several import render_several

STUDY_TABLES = {"mpis_vs_bptt": "A", "mpis_vs_ide": "B", "ide_static": "C", "ide_cifar": "C"}


def default_table(study_dir: Path) -> str:
    """The table the study was run for (its ``mpis_study.json`` "table"), else E (best configurations)."""
    return STUDY_TABLES.get(read_study_info(study_dir).get("table") or "", "E")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m analysis.tables", description=__doc__.split("\n")[0])
    parser.add_argument("study_dir", type=Path, help="Ray Tune experiment directory of a study")
    parser.add_argument("--table", choices=[*TABLES, *TABLE_NAMES.values(), "all"], metavar="TABLE",
                        help="A (mpis_vs_bptt), B (mpis_vs_ide), C (ide_accuracy), D (firing_rates), "
                             "E (best_configs), F (best_per_method), M (ide_memory), or all: every table with data")
    parser.add_argument("--format", default="markdown", choices=list(EXPORTERS))
    parser.add_argument("--pareto", type=_objectives, metavar="OBJECTIVES",
                        help="print the Pareto front over these objectives, e.g. accuracy,energy (of accuracy, "
                             "energy, memory, time_steps), instead of a table")
    parser.add_argument("--top", type=positive_int, help="rows of Table E (default 10)")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    return parser.parse_args(argv)


def _objectives(text: str) -> tuple[str, ...]:
    try:
        return parse_objectives(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).replace("--objectives=", "--pareto=", 1)) from None


def render_tables(study_dir: Path, names: list[str], format_name: str, *, top: int | None = None) -> str:
    """The exported tables; with several names, a table without data becomes a comment line."""
    if len(names) == 1:
        return EXPORTERS[format_name](build_table(study_dir, names[0], top=top))
    return render_several(build_available_tables(study_dir, top=top), names, format_name)


@exit_on_study_error
def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    find_trial_dirs(arguments.study_dir)  # a missing, empty or non-study folder: refused before any work
    if arguments.out is not None:
        require_output_file(arguments.out)
    if arguments.pareto is not None:
        if arguments.table is not None or arguments.top is not None:
            raise StudyError("--pareto is invalid with --table or --top; allowed: one of them")
        text = EXPORTERS[arguments.format](build_pareto_table(arguments.study_dir, arguments.pareto))
        return _write(text, arguments.out)
    table = arguments.table or default_table(arguments.study_dir)
    names = list(TABLES) if table == "all" else [table_letter(table)]
    if arguments.top is not None and not set(names) & set(RANKED_TABLES):
        raise StudyError(f"--top={arguments.top} is invalid with --table {names[0]}; allowed: --table E "
                         "(best configurations) or all")
    return _write(render_tables(arguments.study_dir, names, arguments.format, top=arguments.top), arguments.out)


def _write(text: str, out: Path | None) -> int:
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
