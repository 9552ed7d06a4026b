"""Multi-objective sweeps: the searcher tells Optuna every objective of a full run (no Ray runtime),
and build_search runs them FIFO with Optuna's multi-objective sampler."""

from __future__ import annotations

import dataclasses

from optuna.trial import TrialState
from ray import tune

from analysis.pareto import objective_columns
from mpis import metric_names as m
from studies.quickstart import SPEC as QUICKSTART
from studies.runner.define_by_run import ConditionalSpace
from studies.runner.options import parse_options
from studies.runner.search_setup import build_search
from studies.runner.searcher import StudyOptunaSearch
from studies.runner.settings import resolve_settings

SPACE = {"model": {"neuron": {"v_threshold": tune.uniform(1.0, 4.0)}}}
OBJECTIVES = objective_columns(("accuracy", "energy", "memory"))


def make_searcher(epochs: int = 2) -> StudyOptunaSearch:
    return StudyOptunaSearch(space=ConditionalSpace(SPACE, "mpis_digits"), metric=list(OBJECTIVES),
                             mode=list(OBJECTIVES.values()), full_epochs=epochs, seed=0, storage=None,
                             study_name="multi")


def row(epoch, accuracy, energy, memory=100.0, status="ok"):
    return {m.BEST_TEST_ACCURACY: accuracy, m.ENERGY_UJ: energy, m.PEAK_MEMORY_MB: memory, "epoch": epoch,
            "training_iteration": epoch, "status": status}


def test_a_full_run_is_complete_with_every_objective_and_an_unfinished_one_fails():
    searcher = make_searcher()
    assert searcher._ot_study.directions[1].name == "MINIMIZE" and searcher._ot_study.directions[0].name == "MAXIMIZE"
    for trial_id in ("full", "short", "nan"):
        searcher.suggest(trial_id)
    searcher.on_trial_result("full", row(1, 50.0, 2.0))
    searcher.on_trial_result("full", row(2, 60.0, 1.5, 120.0))
    searcher.on_trial_complete("full", row(2, 60.0, 1.5, 120.0))
    searcher.on_trial_complete("short", row(1, 70.0, 1.0))
    searcher.on_trial_complete("nan", row(2, 70.0, float("nan")))
    trials = {t.user_attrs["ray_trial_id"]: t for t in searcher._ot_study.trials}
    assert trials["full"].state == TrialState.COMPLETE and trials["full"].values == [60.0, 1.5, 120.0]
    assert trials["full"].intermediate_values == {}
    assert trials["short"].state == TrialState.FAIL and trials["nan"].state == TrialState.FAIL
    assert [t.values for t in searcher._ot_study.best_trials] == [[60.0, 1.5, 120.0]]


def test_objectives_flag_makes_the_sweep_multi_objective_and_fifo(tmp_path):
    spec = dataclasses.replace(QUICKSTART, space=SPACE, variants={}, table=None)
    options = parse_options(spec, ["--objectives", "accuracy,energy", "--storage-path", str(tmp_path)], "q.py")
    assert options.objectives == ("accuracy", "energy")
    spec = dataclasses.replace(spec, objectives=options.objectives)
    assert spec.objective_metrics == {m.BEST_TEST_ACCURACY: "max", m.ENERGY_UJ: "min"}
    settings = resolve_settings(spec, options)
    settings.experiment_dir.mkdir(parents=True)  # run_study writes its manifest there first
    _, tune_config = build_search(spec, settings)
    searcher = tune_config.search_alg.searcher
    assert tune_config.scheduler is None and tune_config.metric is None
    assert searcher.metric == [m.BEST_TEST_ACCURACY, m.ENERGY_UJ] and searcher.mode == ["max", "min"]
    assert len(searcher._ot_study.directions) == 2
