"""A diverged trial of a multi-objective study is reported as diverged everywhere, as in a single-objective
one: its last row has every objective NaN and ``status=diverged``, Optuna gets FAIL with that status, the
summary counts and names it and leaves it off the Pareto front (no Ray runtime)."""

from __future__ import annotations

import dataclasses
import math

from optuna.trial import TrialState
from ray.tune import Result
from test_study_multi_objective import make_searcher, row

from mpis import metric_names as m
from mpis.config import ExperimentConfig
from mpis.training import TrainingDiverged
from studies.quickstart import SPEC as QUICKSTART
from studies.runner import summary, trainable
from studies.runner.summary import DIVERGED, pareto_trials, trial_outcome

OBJECTIVES = (m.BEST_TEST_ACCURACY, m.ENERGY_UJ)


def diverged_row(monkeypatch, metrics: tuple[str, ...]) -> dict:
    reported = []

    def diverge(config, report, resume_from=None):
        raise TrainingDiverged("loss", 2, 7, float("inf"))

    monkeypatch.setattr(trainable, "fit", diverge)
    monkeypatch.setattr(trainable.tune, "report", lambda values, **_: reported.append(values))
    trainable._fit_and_report(ExperimentConfig(), {"trial_folder": "t"}, metrics, resume_from=None)
    assert len(reported) == 1
    return reported[0]


def test_the_diverged_row_sets_every_objective_nan(monkeypatch):
    multi = diverged_row(monkeypatch, OBJECTIVES)
    assert multi["status"] == "diverged" and multi["diverged_what"] == "loss" and multi["diverged_step"] == 7
    assert all(math.isnan(multi[metric]) for metric in OBJECTIVES)
    single = diverged_row(monkeypatch, (m.BEST_TEST_ACCURACY,))
    assert math.isnan(single[m.BEST_TEST_ACCURACY]) and m.ENERGY_UJ not in single


def test_optuna_and_the_summary_report_it_as_diverged(monkeypatch, tmp_path, capsys):
    searcher = make_searcher()
    last = {"ok": row(2, 60.0, 1.5), "cheap": row(2, 50.0, 1.0), "worse": row(2, 40.0, 2.0),
            "div": {**row(1, 99.0, 0.1), **diverged_row(monkeypatch, tuple(searcher.metric))}}
    for trial_id, values in last.items():
        searcher.suggest(trial_id)
        searcher.on_trial_complete(trial_id, values)
    trials = {t.user_attrs["ray_trial_id"]: t for t in searcher._ot_study.trials}
    assert trials["div"].state == TrialState.FAIL and trials["div"].user_attrs["status"] == "diverged"
    assert {t.user_attrs["ray_trial_id"] for t in searcher._ot_study.best_trials} == {"ok", "cheap"}
    results = [Result(metrics=values, checkpoint=None, error=None, path=str(tmp_path / f"run_{trial_id}"))
               for trial_id, values in last.items()]
    assert trial_outcome(results[3], epochs=2) == DIVERGED
    spec = dataclasses.replace(QUICKSTART, objectives=("accuracy", "energy", "memory"))
    front = pareto_trials(results, spec, epochs=2)
    assert [r.path for r in front] == [results[0].path, results[1].path]  # sorted by accuracy, best first
    summary.print_pareto_front(front, spec)
    for result in results:
        if trial_outcome(result, epochs=2) == DIVERGED:
            print(f"  diverged: {summary._divergence(result.metrics)}")
    out = capsys.readouterr().out
    assert "run_div" not in out and "diverged: loss = inf at epoch 2, step 7" in out
    assert "accuracy (best_test_accuracy, max) = 60" in out and "energy 1.5 uJ per test sample" in out
