"""A trial that failed once and finished after a retry is completed (its error.txt stays behind);
one ranking rule (ties: the lower trial_id) gives the same best trial everywhere; Table F."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analysis.figures.convergence_models import best_trial_per_family
from analysis.load_results import load_trials, successful_trials
from analysis.study_error import StudyError
from analysis.sweep_summary import failure_overview, trial_overview
from analysis.tables import build_table
from analysis.tables.__main__ import main as tables_main
from analysis.trial_ranking import (
    best_trial,
    best_trial_per_method,
    method_labels,
    rank_trials,
)
from analysis.trial_summary import trial_status

CONFIG = {"model.preset": "mpis_digits", "model.simulation.time_steps": 5, "train.epochs": 2, "seed": 0}
TUNE_ERROR = "Failure # {n} (occurred at 2026-12-01_10-00-0{n})\nTraceback ...\nRuntimeError: node died\n"


def rows(accuracy: float, epochs: int = 2, trial_id: str | None = None) -> list[dict]:
    ids = {"trial_id": trial_id} if trial_id else {}
    return [{"epoch": e, "test_accuracy": accuracy - (epochs - e), "epoch_time_s": 1.0, **ids}
            for e in range(1, epochs + 1)]


def add_attempts(trial_dir, count: int) -> None:
    (trial_dir / "mpis_attempts.jsonl").write_text(
        "".join(json.dumps({"attempt": i, "resumed_from_epoch": i - 1}) + "\n" for i in range(1, count + 1)))


def add_tune_errors(trial_dir, count: int) -> None:
    (trial_dir / "error.txt").write_text("".join(TUNE_ERROR.format(n=n) for n in range(1, count + 1)))


@pytest.mark.parametrize("results, ray_status, attempts, failures, expected", [
    (rows(80), None, 2, 1, "completed"),  # failed once, the retry finished every epoch
    (rows(80), "ERROR", 2, 2, "completed"),  # all epochs reported: the results are whole
    (rows(80, epochs=1), None, 2, 1, "incomplete"),  # a retry began after the failure, then stopped
    (rows(80, epochs=1), None, 2, 2, "error"),  # the last attempt failed too
    (rows(80, epochs=1), None, 0, 1, "error"),  # no attempts recorded: the error stands
    (rows(80, epochs=1), "ERROR", 3, 1, "error"),  # Ray's final word: the retries were used up
    (rows(80, epochs=1), "TERMINATED", 2, 1, "stopped"),  # retried, then stopped by ASHA
    (rows(80, epochs=1), "PENDING", 1, 1, "pending"),  # waiting for its retry
])
def test_trial_status_reads_the_attempts_not_the_mere_error_file(results, ray_status, attempts, failures, expected):
    status = trial_status(results, error="RuntimeError: node died", ray_status=ray_status, planned_epochs=2,
                          attempts=attempts, failures=failures)
    assert status == expected


def test_a_retried_trial_is_completed_and_in_the_tables(make_study):
    study = make_study([("retried", CONFIG, rows(90), None), ("failed", {**CONFIG, "seed": 1}, rows(70, 1), None),
                        ("clean", {**CONFIG, "seed": 2}, rows(85), None)])
    add_tune_errors(study / "retried", 1)
    add_attempts(study / "retried", 2)
    add_tune_errors(study / "failed", 2)
    add_attempts(study / "failed", 2)
    trials = load_trials(study).set_index("trial_name")
    assert trials.loc["retried", ["status", "attempts", "failures"]].tolist() == ["completed", 2, 1]
    assert trials.loc["retried", "error"] == "RuntimeError: node died"  # kept for the record
    assert trials.loc["failed", "status"] == "error"
    assert failure_overview(load_trials(study))["trial_id"].tolist() == ["failed"]
    table = build_table(study, "E")
    assert table.frame["trial_id"].tolist() == ["retried", "clean"]
    assert "Study trials: 2 completed, 1 error." in table.notes


def test_ray_terminated_overrides_an_old_error_file(make_study):
    study = make_study([("t0", CONFIG, rows(80, 1), None)])
    add_tune_errors(study / "t0", 1)  # no attempts file: only Ray's state says a retry ended it normally
    state = {"trial_data": [[json.dumps({"relative_logdir": "t0", "status": "TERMINATED", "trial_id": "abc"}), "x"]]}
    (study / "experiment_state-2026-12-01_10-00-00.json").write_text(json.dumps(state))
    assert load_trials(study).loc[0, "status"] == "stopped"


def test_ties_go_to_the_lower_trial_id_everywhere(make_study):
    # the folder order (a, b, c) is not the trial_id order (z9, a1, m5): a1 must win the tie with z9
    study = make_study([("a", CONFIG, rows(90, trial_id="z9"), None),
                        ("b", {**CONFIG, "seed": 1}, rows(90, trial_id="a1"), None),
                        ("c", {**CONFIG, "model.preset": "ide_digits_f64c5"}, rows(90, trial_id="m5"), None)],
                       info={"study": "ties", "metric": "best_test_accuracy", "mode": "max"})
    trials = successful_trials(load_trials(study))
    assert rank_trials(trials, "best_test_accuracy", "max")["trial_id"].tolist() == ["a1", "m5", "z9"]
    assert best_trial(trials, "best_test_accuracy", "max")["trial_id"] == "a1"
    assert build_table(study, "E").frame.loc[0, "trial_id"] == "a1"
    assert build_table(study, "F").frame["trial_id"].tolist() == ["a1", "m5"]
    assert [row["trial_id"] for row in best_trial_per_family(trials)] == ["a1", "m5"]
    assert trial_overview(load_trials(study))["trial_id"].tolist() == ["a1", "m5", "z9"]


def test_rank_trials_mode_min_and_missing_values():
    trials = pd.DataFrame({"trial_id": ["a", "b", "c", "d"], "loss": [0.5, math.nan, math.inf, 0.2]})
    ranked = rank_trials(trials, "loss", "min")
    assert ranked["trial_id"].tolist() == ["d", "a"] and ranked["rank"].tolist() == [1, 2]
    assert rank_trials(trials, "no_such_metric").empty
    with pytest.raises(StudyError, match="mode='best' is invalid"):
        rank_trials(trials, "loss", "best")
    with pytest.raises(StudyError, match="no trial reported a finite value"):
        best_trial(trials.assign(loss=math.nan), "loss")


def test_methods_are_family_and_gradient():
    trials = pd.DataFrame({"model.preset": ["mpis_digits", "ide_digits_f64c5", "mpis_digits", "cnn_digits", "x"],
                           "model.gradient": ["implicit", None, "bptt", "bptt", "implicit"]})
    assert method_labels(trials).tolist() == ["MPIS implicit", "IDE implicit", "MPIS bptt", "CNN bptt", "x implicit"]


def test_table_f_best_trial_per_method(make_study, capsys):
    cases = [("m1", {"model.preset": "mpis_digits"}, 91), ("m2", {"model.preset": "mpis_digits", "seed": 1}, 93),
             ("i1", {"model.preset": "ide_digits_f64c5"}, 88),
             ("mb", {"model.preset": "mpis_digits", "model.gradient": "bptt"}, 90),
             ("cb", {"model.preset": "cnn_digits", "model.gradient": "bptt"}, 85)]
    study = make_study([(name, {**CONFIG, **config}, rows(accuracy, trial_id=name), None)
                        for name, config, accuracy in cases])
    frame = build_table(study, "F").frame
    assert frame["method"].tolist() == ["MPIS implicit", "MPIS bptt", "IDE implicit", "CNN bptt"]
    assert frame["trial_id"].tolist() == ["m2", "mb", "i1", "cb"]
    assert frame["method_trials"].tolist() == [2, 1, 1, 1] and frame["rank"].tolist() == [1, 3, 4, 5]
    best = best_trial_per_method(successful_trials(load_trials(study)), "best_test_accuracy", "max")
    assert best["trial_id"].tolist() == frame["trial_id"].tolist()
    assert tables_main([str(study), "--table", "best_per_method"]) == 0
    assert capsys.readouterr().out.startswith("**Table F: best trial per method")


def test_table_f_needs_two_methods(make_study):
    study = make_study([("m1", CONFIG, rows(91), None)])
    with pytest.raises(StudyError, match="table F compares methods, but every ranked trial of this study is "
                                         "MPIS implicit"):
        build_table(study, "F")


def test_table_f_shows_each_methods_energy_where_it_was_counted(make_study):
    def with_energy(accuracy, trial_id, energy):
        return [{**row, "energy_uj": energy * row["epoch"], "synaptic_ops": 1e5 * row["epoch"]}
                for row in rows(accuracy, trial_id=trial_id)]
    study = make_study([("m1", {**CONFIG, "model.preset": "mpis_digits"}, with_energy(91, "m1", 2.0), None),
                        ("i1", {**CONFIG, "model.preset": "ide_digits_f64c5"}, with_energy(88, "i1", 0.5), None)])
    frame = build_table(study, "F").frame.set_index("trial_id")
    assert frame.loc["m1", "energy_uj"] == 4.0 and frame.loc["i1", "energy_uj"] == 1.0  # the last epoch's
    assert frame.loc["i1", "synaptic_ops"] == 2e5
