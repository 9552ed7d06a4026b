"""The searcher tells Optuna the truth: full runs COMPLETE, ASHA-stopped runs PRUNED (with their
per-epoch values), diverged and errored runs FAIL, and a restore after a driver kill FAILs the Optuna
trials the dead driver started but never saved. Optuna and the searcher only; no Ray runtime."""

from __future__ import annotations

import math

from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
from ray import tune

from studies.runner.define_by_run import ConditionalSpace
from studies.runner.searcher import StudyOptunaSearch

SPACE = {"model": {"preset": tune.choice(["mpis_digits", "ide_digits_f64c5"]), "streams": tune.randint(1, 4),
                   "neuron": {"v_threshold": tune.uniform(1.0, 4.0)}}}
METRIC = "best_test_accuracy"


def make_searcher(storage=None, epochs: int = 3) -> StudyOptunaSearch:
    return StudyOptunaSearch(space=ConditionalSpace(SPACE, "mpis_digits"), metric=METRIC, mode="max",
                             full_epochs=epochs, seed=0, storage=storage, study_name="unit")


def run_epochs(searcher, trial_id: str, values: list[float]) -> dict:
    results = [{METRIC: value, "epoch": epoch, "training_iteration": epoch, "status": "ok"}
               for epoch, value in enumerate(values, start=1)]
    for result in results:
        searcher.on_trial_result(trial_id, result)
    return results[-1]


def frozen(searcher, trial_id: str):
    return searcher._ot_study.trials[searcher._ot_trials[trial_id].number]


def test_suggestions_are_nested_and_ide_trials_get_no_streams():
    searcher = make_searcher()
    for index in range(12):
        config = searcher.suggest(f"t{index}")
        assert set(config) == {"model"}
        if config["model"]["preset"] == "ide_digits_f64c5":
            assert "streams" not in config["model"]
        else:
            assert config["model"]["streams"] in (1, 2, 3)


def test_a_full_run_is_complete_with_its_last_value():
    searcher = make_searcher()
    searcher.suggest("a")
    last = run_epochs(searcher, "a", [50.0, 70.0, 80.0])
    searcher.on_trial_complete("a", last)
    trial = frozen(searcher, "a")
    assert trial.state == TrialState.COMPLETE and trial.value == 80.0
    assert trial.intermediate_values == {1: 50.0, 2: 70.0, 3: 80.0}


def test_an_asha_stopped_run_is_pruned_not_complete():
    searcher = make_searcher()
    searcher.suggest("b")
    last = run_epochs(searcher, "b", [30.0])
    searcher.on_trial_complete("b", last)
    trial = frozen(searcher, "b")
    assert trial.state == TrialState.PRUNED
    assert trial.value == 30.0 and trial.user_attrs["stopped_at_epoch"] == 1


def test_diverged_and_errored_runs_fail():
    searcher = make_searcher()
    searcher.suggest("c")
    run_epochs(searcher, "c", [40.0])
    diverged = {METRIC: math.nan, "epoch": 2, "status": "diverged", "diverged_what": "loss"}
    searcher.on_trial_result("c", diverged)
    searcher.on_trial_complete("c", diverged)
    trial = frozen(searcher, "c")
    assert trial.state == TrialState.FAIL and trial.user_attrs["status"] == "diverged"
    assert trial.intermediate_values == {1: 40.0}  # the NaN row is not an intermediate value
    searcher.suggest("d")
    searcher.on_trial_complete("d", None, error=True)
    assert frozen(searcher, "d").state == TrialState.FAIL


def test_restore_fails_the_trials_a_dead_driver_started_after_its_last_save(tmp_path):
    journal = str(tmp_path / "journal.log")
    searcher = make_searcher(JournalStorage(JournalFileBackend(journal)))
    searcher.suggest("saved")
    searcher.save(str(tmp_path / "searcher.pkl"))
    searcher.suggest("unsaved")  # asked after the last save, then the driver dies
    restored = make_searcher(JournalStorage(JournalFileBackend(journal)))
    restored.restore(str(tmp_path / "searcher.pkl"))
    states = {t.number: t for t in restored._ot_study.trials}
    saved_number = restored._ot_trials["saved"].number
    assert states[saved_number].state == TrialState.RUNNING  # it will be resumed
    orphans = [t for n, t in states.items() if n != saved_number]
    assert [t.state for t in orphans] == [TrialState.FAIL] and orphans[0].user_attrs["orphaned"] is True
    last = run_epochs(restored, "saved", [10.0, 20.0, 30.0])
    restored.on_trial_complete("saved", last)
    assert restored._ot_study.trials[saved_number].state == TrialState.COMPLETE


def test_a_completion_heard_twice_is_told_once():
    searcher = make_searcher()
    searcher.suggest("e")
    last = run_epochs(searcher, "e", [1.0, 2.0, 3.0])
    searcher.on_trial_complete("e", last)
    searcher.on_trial_complete("e", last)
    assert frozen(searcher, "e").state == TrialState.COMPLETE
