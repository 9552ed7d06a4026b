"""Checkpoints: a run stopped after epoch k and resumed reports exactly what an uninterrupted run
reports; checkpoints are atomic, complete, and load with weights_only=True."""

import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from mpis import metric_names as names
from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    SimulationConfig,
    TrainConfig,
)
from mpis.training import fit
from mpis.training.checkpoints import CHECKPOINT_FILE, METRICS_FILE

MACHINE_DEPENDENT = {names.EPOCH_TIME_S, names.SAMPLES_PER_S, names.PEAK_MEMORY_MB}



def trial(epochs: int = 3, preset: str = "ide_digits_f64c5", **train) -> ExperimentConfig:
    """Digits with shuffling, dropout, warm-up across the epoch boundary and a milestone at epoch 2."""
    return ExperimentConfig(
        model=ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=4)),
        data=DataConfig(dataset="digits", batch_size=32, limit_train=192, limit_test=100),
        train=TrainConfig(epochs=epochs, warmup_iterations=8, milestones=(2,), **train), seed=7)


class Killed(Exception):
    """Stands for the process being killed once the report of epoch k has been delivered."""


def comparable(metrics: dict) -> dict:
    return {key: ("nan" if isinstance(value, float) and math.isnan(value) else value)
            for key, value in metrics.items() if key not in MACHINE_DEPENDENT}


@pytest.mark.parametrize("preset,stop_after", [("ide_digits_f64c5", 1), ("ide_digits_f64c5", 2), ("mpis_digits", 1)])
def test_a_resumed_run_reports_the_same_metrics_as_an_uninterrupted_one(tmp_path, preset, stop_after):
    uninterrupted = fit(trial(preset=preset), lambda metrics, directory: None).history

    def report_then_die(metrics, directory):
        shutil.copytree(directory, tmp_path / f"kept_{metrics[names.EPOCH]}")  # what Ray Tune does
        if metrics[names.EPOCH] == stop_after:
            raise Killed

    with pytest.raises(Killed):
        fit(trial(preset=preset), report_then_die)
    resumed = []
    summary = fit(trial(preset=preset), lambda metrics, directory: resumed.append(metrics),
                  resume_from=str(tmp_path / f"kept_{stop_after}"))
    assert summary.epochs_run == 3 - stop_after and len(summary.history) == 3
    assert [comparable(m) for m in resumed] == [comparable(m) for m in uninterrupted[stop_after:]]
    assert summary.best_test_accuracy == max(m[names.TEST_ACCURACY] for m in uninterrupted)


def test_more_epochs_can_be_added_on_resume_but_other_changes_are_refused(tmp_path):
    fit(trial(epochs=1), checkpoint_root=str(tmp_path))
    checkpoint = tmp_path / "epoch_0001"
    longer = fit(trial(epochs=2), resume_from=str(checkpoint))
    assert [m[names.EPOCH] for m in longer.history] == [1, 2] and longer.epochs_run == 1
    with pytest.raises(ValueError, match=r"resume_from=.*train\.learning_rate: 0\.05 -> 0\.1"):
        fit(trial(epochs=2, learning_rate=0.1), resume_from=str(checkpoint))
    with pytest.raises(ValueError, match=r"resume_from=.* holding checkpoint\.pt"):
        fit(trial(), resume_from=str(tmp_path / "no_such_checkpoint"))


def test_checkpoints_are_complete_load_with_weights_only_and_only_the_latest_and_the_best_are_kept(tmp_path):
    delivered = []
    summary = fit(trial(epochs=2), lambda metrics, directory: delivered.append(Path(directory)),
                  checkpoint_root=str(tmp_path))
    assert [path.name for path in delivered] == ["epoch_0001", "epoch_0002"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best", "epoch_0002"]  # no staging leftovers
    best = json.loads((tmp_path / "best" / METRICS_FILE).read_text())
    assert best[names.TEST_ACCURACY] == summary.best_test_accuracy
    state = torch.load(tmp_path / "epoch_0002" / CHECKPOINT_FILE, weights_only=True)
    assert {"model", "optimizer", "rng", "epoch", "iteration", "history", "config"} <= set(state)
    assert (state["epoch"], state["iteration"], state["config"]["train.milestones"]) == (2, 12, [2])
    assert set(state["rng"]) == {"torch", "cuda", "numpy", "python", "generators"}
    metrics = json.loads((tmp_path / "epoch_0002" / METRICS_FILE).read_text())
    assert metrics[names.EPOCH] == 2 and metrics[names.TEST_ACCURACY] == state["history"][-1][names.TEST_ACCURACY]


def test_temporary_checkpoints_are_gone_after_the_report_and_the_callback_may_move_them(tmp_path):
    moved = []

    def move_away(metrics, directory):
        moved.append(Path(shutil.move(directory, tmp_path / f"moved_{metrics[names.EPOCH]}")))

    fit(trial(epochs=2), move_away)
    assert all((path / CHECKPOINT_FILE).is_file() for path in moved) and len(moved) == 2
    seen = []
    fit(trial(epochs=1), lambda metrics, directory: seen.append(Path(directory)))
    assert not seen[0].exists() and not seen[0].parent.exists()
