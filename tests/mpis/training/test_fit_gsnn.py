"""fit() on a gsnn preset: the per-epoch metrics (firing rate of every LIF layer, time, memory), its
checkpoints, and a resumed run that reports exactly what an uninterrupted one reports (the
Bernoulli encoder draws from the global RNG, which the checkpoint carries)."""

import math
import shutil

import pytest

from mpis import metric_names as names
from mpis.config import DataConfig, ExperimentConfig, TrainConfig
from mpis.config_io import config_from_dict
from mpis.models import with_preset_defaults
from mpis.training import fit

MACHINE_DEPENDENT = {names.EPOCH_TIME_S, names.SAMPLES_PER_S, names.PEAK_MEMORY_MB}


def gsnn_trial(epochs: int = 2, preset: str = "gsnn_digits_cnn") -> ExperimentConfig:
    base = ExperimentConfig(data=DataConfig(dataset="digits", batch_size=32, limit_train=96, limit_test=40),
                            train=TrainConfig(epochs=epochs, learning_rate=0.01, warmup_iterations=4, milestones=(2,)),
                            seed=3)
    return config_from_dict({"model.gsnn.depths": [1, 1, 1]}, with_preset_defaults(base, preset))


class Killed(Exception):
    pass


def comparable(metrics: dict) -> dict:
    return {key: ("nan" if isinstance(value, float) and math.isnan(value) else value)
            for key, value in metrics.items() if key not in MACHINE_DEPENDENT}


def test_the_epoch_metrics_hold_every_lif_layer_time_and_memory():
    history = fit(gsnn_trial(epochs=1), lambda metrics, directory: None).history
    metrics = history[0]
    layers = sorted(key for key in metrics if key.startswith(names.FIRING_RATE_LAYER_PREFIX))
    assert layers == [f"firing_rate_s0_l{k}" for k in range(1, 7)]  # 3 blocks x (lif1, lif2)
    assert all(0 <= metrics[key] <= 1 for key in layers) and 0 < metrics[names.FIRING_RATE_TOTAL] < 1
    assert metrics[names.EPOCH_TIME_S] > 0 and metrics[names.PEAK_MEMORY_MB] > 0
    assert metrics[names.FORWARD_STEPS] == 1.0 and math.isnan(metrics[names.FIXED_POINT_RESIDUAL])
    assert metrics[names.GRADIENT_NORM] > 0 and metrics[names.BACKWARD_FALLBACKS] == 0


@pytest.mark.parametrize("preset", ["gsnn_digits_cnn", "gsnn_digits_lstm"])
def test_a_resumed_gsnn_run_reports_the_same_metrics_as_an_uninterrupted_one(tmp_path, preset):
    uninterrupted = fit(gsnn_trial(preset=preset), lambda metrics, directory: None).history

    def report_then_die(metrics, directory):
        shutil.copytree(directory, tmp_path / "kept")
        raise Killed

    with pytest.raises(Killed):
        fit(gsnn_trial(preset=preset), report_then_die)
    resumed = []
    summary = fit(gsnn_trial(preset=preset), lambda metrics, directory: resumed.append(metrics),
                  resume_from=str(tmp_path / "kept"))
    assert summary.epochs_run == 1 and len(summary.history) == 2
    assert [comparable(m) for m in resumed] == [comparable(uninterrupted[1])]


def test_resuming_with_other_gsnn_options_is_refused(tmp_path):
    fit(gsnn_trial(epochs=1), None, checkpoint_root=str(tmp_path))
    other = config_from_dict({"model.gsnn.cell": "gru", "train.epochs": 2}, gsnn_trial())
    with pytest.raises(ValueError, match=r"differs in model.gsnn.cell: None -> 'gru'"):
        fit(other, None, resume_from=str(tmp_path / "epoch_0001"))
