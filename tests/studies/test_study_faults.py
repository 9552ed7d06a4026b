"""Faults a study survives without losing anything:

a. a trial whose worker process is killed mid-training restarts from its last checkpoint and its
   epoch count continues (no epoch is trained twice);
b. (test_study_driver_kill.py) a driver killed with SIGKILL is continued by --resume;
c. a diverged trial is recorded with status "diverged" and the study goes on; a study whose every
   trial fails exits with status 1.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from analysis.study_files import recorded_trial_folders
from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    SimulationConfig,
    TrainConfig,
)
from studies.runner import Budget, StudySpec, run_study_cli
from studies.runner.trial_records import read_attempts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DIGITS = ExperimentConfig(
    model=ModelConfig(preset="mpis_digits", simulation=SimulationConfig(time_steps=10)),
    data=DataConfig(dataset="digits", batch_size=64, test_batch_size=400),
    train=TrainConfig(epochs=4, learning_rate=0.05, milestones=()))
NON_CONTRACTIVE = {"model": {"preset": "ide_digits_f64c5", "spectral_bound": 50.0, "neuron": {"v_threshold": 0.05},
                             "backward": {"name": "fixed_point", "max_iter": 60}}}


def grid_study(name: str, variants: dict, epochs: int, limit_train: int | None = None) -> StudySpec:
    overrides = {"train": {"epochs": epochs}, "data": {"limit_train": limit_train}}
    return StudySpec(name=name, description="test study", base=DIGITS, variants=variants,
                     budgets={"test": Budget(num_samples=1, max_concurrent=2, overrides=overrides)})


def trial_dirs(study: Path) -> list[Path]:
    return sorted(p for p in study.iterdir() if (p / "mpis_config.json").is_file())


def result_rows(trial_dir: Path) -> list[dict]:
    path = trial_dir / "result.json"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def kill_after_first_epoch(study: Path, killed: list) -> None:
    """Watch the study; once its trial has reported epoch 1, SIGKILL the trial's process."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for trial_dir in trial_dirs(study) if study.is_dir() else []:
            attempts = read_attempts(trial_dir)
            if attempts and result_rows(trial_dir):
                os.kill(attempts[0]["pid"], signal.SIGKILL)
                killed.append((trial_dir, attempts[0]["pid"], len(result_rows(trial_dir))))
                return
        time.sleep(0.05)


def test_a_killed_trial_restarts_from_its_last_checkpoint_and_its_epochs_continue(ray_runtime, tmp_path, capsys):
    spec = grid_study("kill_worker", {"only": {}}, epochs=4)
    study = tmp_path / "kill_worker"
    killed: list = []
    watcher = threading.Thread(target=kill_after_first_epoch, args=(study, killed), daemon=True)
    watcher.start()
    status = run_study_cli(spec, ["--storage-path", str(tmp_path), "--max-failures", "2"], prog="t")
    watcher.join(timeout=5)
    out = capsys.readouterr().out
    assert killed, "the trial was never killed"
    trial_dir, pid, epochs_before_kill = killed[0]
    assert status == 0 and "1 trials: 1 completed" in out, out[-2000:]
    attempts = read_attempts(trial_dir)
    assert len(attempts) == 2 and attempts[1]["pid"] != pid
    assert attempts[0]["resumed_from_epoch"] == 0
    assert attempts[1]["resumed_from_epoch"] >= epochs_before_kill >= 1
    assert [row["epoch"] for row in result_rows(trial_dir)] == [1, 2, 3, 4]  # none twice, none lost


def test_a_diverged_trial_is_recorded_and_the_study_goes_on(ray_runtime, tmp_path, capsys):
    spec = grid_study("divergence", {"stable": {}, "non_contractive": NON_CONTRACTIVE}, epochs=2,
                      limit_train=300)
    status = run_study_cli(spec, ["--storage-path", str(tmp_path), "--budget", "test"], prog="t")
    out = capsys.readouterr().out
    assert status == 0 and "2 trials: 1 completed, 0 stopped early, 1 diverged, 0 errored" in out
    study = tmp_path / "divergence"
    by_variant = {json.loads((d / "params.json").read_text())["variant"]: d for d in trial_dirs(study)}
    diverged_rows = result_rows(by_variant["non_contractive"])
    last = diverged_rows[-1]
    assert last["status"] == "diverged" and last["diverged_what"] == "backward_fallbacks"
    assert last["diverged_epoch"] == 1 and last["diverged_step"] >= 1
    assert len(read_attempts(by_variant["non_contractive"])) == 1  # not retried as an error
    assert [row["status"] for row in result_rows(by_variant["stable"])] == ["ok", "ok"]
    assert (by_variant["non_contractive"].name in recorded_trial_folders(study))
    assert not (by_variant["non_contractive"] / "error.txt").exists()


def test_a_study_whose_every_trial_fails_exits_1(ray_runtime, tmp_path, capsys):
    spec = grid_study("all_fail", {"non_contractive": NON_CONTRACTIVE}, epochs=1, limit_train=300)
    assert run_study_cli(spec, ["--storage-path", str(tmp_path)], prog="t") == 1
    assert "Every trial failed." in capsys.readouterr().out
