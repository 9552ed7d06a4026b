"""load_trials / load_histories: one tidy row per trial, values equal to what result.json says."""

from __future__ import annotations

import json
import math

import pytest
from study_expectations import (
    best_accuracy,
    last,
    mean_epoch_time,
    peak_memory_mb,
    read_trials,
)

from analysis.load_results import (
    config_columns,
    load_histories,
    load_trials,
    successful_trials,
)
from analysis.study_error import StudyError
from analysis.trial_summary import summarise_metrics, trial_status

CONFIG = {"model.preset": "mpis_digits", "model.simulation.time_steps": 5, "train.epochs": 2, "seed": 0}


def test_one_row_per_trial_with_dotted_config_and_statuses(fixture_study):
    trials = load_trials(fixture_study)
    expected = read_trials(fixture_study)
    assert len(trials) == len(expected) == 18
    assert {"model.preset", "model.neuron.leak", "model.simulation.time_steps", "train.learning_rate",
            "seed"} <= set(config_columns(trials))
    statuses = trials.set_index("model.preset")["status"]
    assert statuses["ide_digits_f64c5"] == "error"
    assert "synthetic failure" in trials.set_index("model.preset")["error"]["ide_digits_f64c5"]
    assert (trials["status"] == "diverged").sum() == 1
    assert trials.loc[trials["status"] == "diverged", "train.learning_rate"].item() == 0.9
    assert (trials["status"] == "completed").sum() == 16
    assert trials["trial_id"].str.fullmatch(r"[0-9a-f]{8}").all()  # the errored trial's id comes from Ray's state


def test_summaries_equal_the_result_lines(fixture_study):
    trials = load_trials(fixture_study).set_index("trial_name")
    for expected in read_trials(fixture_study):
        if expected["failed"]:
            continue
        row = trials.loc[expected["folder"]]
        assert row["best_test_accuracy"] == pytest.approx(best_accuracy(expected))
        assert row["test_accuracy"] == pytest.approx(last(expected, "test_accuracy"))
        assert row["epoch_time_s"] == pytest.approx(mean_epoch_time(expected))
        assert row["peak_memory_mb"] == pytest.approx(peak_memory_mb(expected))
        assert row["firing_rate_s0_l1"] == pytest.approx(last(expected, "firing_rate_s0_l1"))
        assert row["forward_steps"] == pytest.approx(last(expected, "forward_steps"))
        assert row["node"] == last(expected, "node") and row["device"] == "cpu"
        assert row["epochs_reported"] == 3


def test_histories_hold_every_epoch_of_every_trial(fixture_study):
    histories = load_histories(fixture_study)
    expected = read_trials(fixture_study)
    assert len(histories) == sum(len(t["rows"]) for t in expected) + 1  # + the diverged row
    completed = histories[histories["trial_id"].isin(
        load_trials(fixture_study).query("status == 'completed'")["trial_id"])]
    assert (completed.groupby("trial_id")["epoch"].apply(list) == [[1, 2, 3]] * completed["trial_id"].nunique()).all()


def test_the_diverged_row_only_fills_the_diverged_columns():
    rows = [{"epoch": 1, "test_accuracy": 50.0, "train_loss": 1.0, "status": "ok"},
            {"status": "diverged", "test_accuracy": math.nan, "diverged_what": "loss", "diverged_epoch": 2}]
    summary = summarise_metrics(rows)
    assert summary["test_accuracy"] == 50.0 and summary["epochs_reported"] == 1
    assert summary["diverged_what"] == "loss" and summary["diverged_epoch"] == 2
    assert trial_status(rows, error=None, ray_status="TERMINATED", planned_epochs=3) == "diverged"


@pytest.mark.parametrize("rows, error, ray_status, planned, expected", [
    ([{"epoch": 1}, {"epoch": 2}], None, "TERMINATED", 2, "completed"),
    ([{"epoch": 1}], None, "TERMINATED", 2, "stopped"),  # ASHA stopped it early
    ([{"epoch": 1}], None, "RUNNING", 2, "running"),
    ([{"epoch": 1, "train_loss": math.inf}], None, None, 2, "diverged"),
    ([], "RuntimeError: x", None, 2, "error"),
    ([], None, None, 2, "incomplete"),
])
def test_trial_status(rows, error, ray_status, planned, expected):
    assert trial_status(rows, error=error, ray_status=ray_status, planned_epochs=planned) == expected


def test_a_truncated_last_result_line_is_dropped(make_study):
    study = make_study([("t0", CONFIG, [{"epoch": 1, "test_accuracy": 40.0}], None)])
    with open(study / "t0" / "result.json", "a") as file:
        file.write('{"epoch": 2, "test_acc')
    trials = load_trials(study)
    assert trials.loc[0, "test_accuracy"] == 40.0 and trials.loc[0, "status"] == "incomplete"


def test_a_corrupt_middle_result_line_is_a_study_error(make_study):
    study = make_study([("t0", CONFIG, [], None)])
    (study / "t0" / "result.json").write_text('{"epoch": 1}\nnot json\n{"epoch": 2}\n')
    with pytest.raises(StudyError, match=r"result.json line 2"):
        load_trials(study)


def test_successful_trials_names_the_failures_when_none_is_left(make_study):
    study = make_study([("t0", CONFIG, [], "ValueError: bad preset"),
                        ("t1", CONFIG, [{"epoch": 1, "status": "diverged"}], None)])
    with pytest.raises(StudyError, match=r"all 2 trials .* failed .*1 error.*1 diverged.*ValueError: bad preset"):
        successful_trials(load_trials(study), study)


def test_config_falls_back_to_params_json(make_study):
    study = make_study([("t0", CONFIG, [{"epoch": 1}], None)])
    (study / "t0" / "mpis_config.json").unlink()
    (study / "t0" / "params.json").write_text(json.dumps({"model": {"neuron": {"leak": 0.9}}, "variant": "a"}))
    trials = load_trials(study)
    assert trials.loc[0, "model.neuron.leak"] == 0.9 and "variant" in config_columns(trials)


def test_an_epoch_reported_again_after_a_restore_counts_once():
    rows = [{"epoch": 1, "epoch_time_s": 1.0}, {"epoch": 2, "epoch_time_s": 5.0},
            {"epoch": 2, "epoch_time_s": 3.0}, {"epoch": 3, "epoch_time_s": 2.0}]
    summary = summarise_metrics(rows)
    assert summary["epoch_time_s"] == pytest.approx(2.0) and summary["epochs_reported"] == 3
