"""The sweep explorer's summaries: numbers recomputed from the result files, failures listed."""

from __future__ import annotations

import statistics

import pytest
from study_expectations import best_accuracy, read_trials, select

from analysis.load_results import load_trials, successful_trials
from analysis.sweep_summary import (
    failure_overview,
    metric_by_hyperparameter,
    solver_statistics,
    trial_overview,
)
from analysis.tables import build_available_tables


def test_metric_by_hyperparameter_value(fixture_study):

    summary = metric_by_hyperparameter(successful_trials(load_trials(fixture_study))).set_index(
        ["hyperparameter", "value"])
    bptt = [best_accuracy(t) for t in select(read_trials(fixture_study), model__gradient="bptt")]
    row = summary.loc[("model.gradient", "bptt")]
    assert row["trials"] == len(bptt) == 4
    assert row["mean"] == pytest.approx(statistics.fmean(bptt)) and row["max"] == pytest.approx(max(bptt))
    assert "data.dataset" not in summary.index.get_level_values(0)  # constant across the study


def test_overviews_list_trials_best_first_and_the_failures(fixture_study):
    trials = load_trials(fixture_study)
    overview = trial_overview(trials)
    assert overview["best_test_accuracy"].dropna().is_monotonic_decreasing and len(overview) == len(trials)
    failures = failure_overview(trials)
    assert sorted(failures["status"]) == ["diverged", "error"]
    assert solver_statistics(successful_trials(trials))["forward_steps"].notna().all()


def test_available_tables_say_why_the_others_are_missing(notebook_study):
    report = build_available_tables(notebook_study)  # digits: no paper rows
    assert set(report.tables) == {"E", "F"}  # F: MPIS implicit, IDE implicit and CNN bptt trials
    assert report.missing["A"].startswith("table A has no data: it needs trials of mpis_fmnist")
    assert "not available" in report["B"]._repr_markdown_()
    assert report["E"]._repr_markdown_().startswith("**Table E: best configurations of quickstart**")
