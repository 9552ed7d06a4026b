"""Table names and the one function that builds any of them from a study directory."""

from __future__ import annotations

import functools
from pathlib import Path

from analysis.load_results import load_trials, successful_trials
from analysis.study_files import read_study_info
from analysis.tables.best_configs import build_best_config_table
from analysis.tables.comparison_table import build_comparison_table
from analysis.tables.firing_rates import build_firing_rate_table
from analysis.tables.paper_table import PaperTable

TABLES = {
    "A": functools.partial(build_comparison_table, "A"),  # MPIS vs BPTT by T
    "B": functools.partial(build_comparison_table, "B"),  # MPIS vs IDE on CIFAR
    "C": functools.partial(build_comparison_table, "C"),  # IDE accuracy over seeds
    "D": build_firing_rate_table,  # firing rate per layer
    "E": build_best_config_table,  # best configurations of a sweep
    "M": functools.partial(build_comparison_table, "M"),  # IDE memory by T
}


def build_table(study_dir: str | Path, name: str) -> PaperTable:
    """Table ``name`` (a key of :data:`TABLES`) for the study in ``study_dir``.

    Raises :class:`analysis.study_error.StudyError` when the directory is not a study, all its trials
    failed, or it has no trial for this table.
    """
    if name not in TABLES:
        raise KeyError(f"no table {name!r}; available: {', '.join(TABLES)}")
    all_trials = load_trials(study_dir)
    trials = successful_trials(all_trials, study_dir)
    return TABLES[name](trials, read_study_info(study_dir), all_trials)
