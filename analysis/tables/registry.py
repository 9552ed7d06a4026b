"""Table names and the one function that builds any of them from a study directory.

Each table has a letter and a name: A ``mpis_vs_bptt``, B ``mpis_vs_ide``, C ``ide_accuracy``,
D ``firing_rates``, E ``best_configs``, F ``best_per_method``, M ``ide_memory``. Either works
wherever a table is asked for (``--table F`` or ``--table best_per_method``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from analysis.load_results import load_trials, successful_trials
from analysis.study_files import read_study_info
from analysis.tables.best_configs import build_best_config_table
from analysis.tables.best_per_method import build_best_per_method_table
from analysis.tables.comparison_table import build_comparison_table
from analysis.tables.firing_rates import build_firing_rate_table
from analysis.tables.paper_table import PaperTable

TABLES = {
    "A": functools.partial(build_comparison_table, "A"),  # MPIS vs BPTT by T
    "B": functools.partial(build_comparison_table, "B"),  # MPIS vs IDE on CIFAR
    "C": functools.partial(build_comparison_table, "C"),  # IDE accuracy over seeds
    "D": build_firing_rate_table,  # firing rate per layer
    "E": build_best_config_table,  # best configurations of a sweep
    "F": build_best_per_method_table,  # best trial per method (family x gradient)
    "G": functools.partial(build_comparison_table, "G"),  # gsnn vs its release screenshots
    "M": functools.partial(build_comparison_table, "M"),  # IDE memory by T
}
TABLE_NAMES = {"A": "mpis_vs_bptt", "B": "mpis_vs_ide", "C": "ide_accuracy", "D": "firing_rates",
               "E": "best_configs", "F": "best_per_method", "G": "gsnn_release", "M": "ide_memory"}
RANKED_TABLES = ("E",)  # the tables that take ``top``


def table_letter(name: str) -> str:
    """The letter of a table given by letter or name; KeyError naming the choices otherwise."""
    by_name = {full: letter for letter, full in TABLE_NAMES.items()}
    letter = name if name in TABLES else by_name.get(name)
    if letter is None:
        choices = ", ".join(f"{letter} ({full})" for letter, full in TABLE_NAMES.items())
        raise KeyError(f"no table {name!r}; available: {choices}")
    return letter


def build_from_trials(name: str, trials: pd.DataFrame, study_info: dict, all_trials: pd.DataFrame | None = None,
                      *, top: int | None = None) -> PaperTable:
    """Table ``name`` from loaded trials (``top``: rows of Table E), labelled ``tab:<letter>-<study>``."""
    letter = table_letter(name)
    options = {"top": top} if letter in RANKED_TABLES and top is not None else {}
    table = TABLES[letter](trials, study_info, all_trials, **options)
    study = re.sub(r"[^a-z0-9]+", "-", str(study_info.get("name") or study_info.get("study") or "study").lower())
    return table._replace(label=table.label or f"tab:{letter}-{study.strip('-')}")


def build_table(study_dir: str | Path, name: str, *, top: int | None = None) -> PaperTable:
    """Table ``name`` (a letter of :data:`TABLES` or a name of :data:`TABLE_NAMES`) for the study in
    ``study_dir``.

    Raises :class:`analysis.study_error.StudyError` when the directory is not a study, all its trials
    failed, or it has no trial for this table.
    """
    letter = table_letter(name)
    all_trials = load_trials(study_dir)
    trials = successful_trials(all_trials, study_dir)
    return build_from_trials(letter, trials, read_study_info(study_dir), all_trials, top=top)
