"""fit() on real data: IDE F400 learns Fashion-MNIST, digits trains, and every epoch reports
the paper's quantities under the names in mpis.metric_names."""

import math
import os
from pathlib import Path

import pytest

from mpis import metric_names as names
from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    SimulationConfig,
    SolverConfig,
    TrainConfig,
)
from mpis.data import DATA_DIR_VARIABLE
from mpis.training import fit

SHARED_DATA = Path(os.environ.get(DATA_DIR_VARIABLE, Path(__file__).resolve().parents[4] / "shared" / "data"))
METRIC_CONSTANTS = {value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)}



def test_ide_f400_reaches_60_percent_on_fashion_mnist_after_one_epoch_on_2000_images():
    """The paper's recipe (T = 5, SGD lr 0.05 momentum 0.9 wd 5e-4, batch 128, Broyden 30)."""
    config = ExperimentConfig(
        model=ModelConfig(preset="ide_fmnist_f400", simulation=SimulationConfig(time_steps=5),
                          backward=SolverConfig(name="broyden", max_iter=30, tol=1e-4)),
        data=DataConfig(dataset="fashion_mnist", data_dir=str(SHARED_DATA), batch_size=128,
                        limit_train=2000, limit_test=1000),
        train=TrainConfig(epochs=1, learning_rate=0.05), seed=0)
    reported = []
    summary = fit(config, lambda metrics, directory: reported.append(metrics))
    metrics = summary.final_metrics
    assert reported == [metrics] and summary.epochs_run == 1
    assert metrics[names.TEST_ACCURACY] >= 60.0
    assert (metrics[names.NEURONS], metrics[names.PARAMETERS]) == (784 + 400 + 10, 478_811)  # §2.4
    assert metrics[names.FIRING_RATE_TOTAL] == metrics[f"{names.FIRING_RATE_LAYER_PREFIX}0_l1"]
    assert 0 < metrics[names.FIRING_RATE_TOTAL] < 1
    assert metrics[names.FORWARD_STEPS] == 5 and 0 < metrics[names.RATE_STEP_CHANGE] < 1
    assert 0 < metrics[names.FIXED_POINT_RESIDUAL] <= metrics[names.FIXED_POINT_RESIDUAL_MAX] < 0.5
    assert 0 < metrics[names.SPECTRAL_RADIUS_MEDIAN] <= metrics[names.SPECTRAL_RADIUS] < 1  # contractive
    assert 1 <= metrics[names.BACKWARD_STEPS] <= 30 and metrics[names.BACKWARD_RESIDUAL] < 1e-3
    assert metrics[names.BACKWARD_FALLBACKS] == 0 and metrics[names.GRADIENT_NORM] > 0


def test_digits_trains_and_every_metric_is_a_named_constant_with_a_sane_value(capsys):
    """Digits trains, and every epoch reports all metrics, with the names other code imports."""
    config = ExperimentConfig(
        model=ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=5)),
        data=DataConfig(dataset="digits", batch_size=64, limit_test=200),
        train=TrainConfig(epochs=2, milestones=(1,)), seed=0)
    summary = fit(config)  # report=None: one progress line per epoch
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", "1/2"], ["epoch", "2/2"]]
    first, last = summary.history
    assert last[names.TEST_ACCURACY] >= 85.0 and last[names.TRAIN_LOSS] < first[names.TRAIN_LOSS]
    assert summary.best_test_accuracy == max(first[names.TEST_ACCURACY], last[names.TEST_ACCURACY])
    assert last[names.BEST_TEST_ACCURACY] == summary.best_test_accuracy
    assert (first[names.LEARNING_RATE], last[names.LEARNING_RATE]) == (0.05, pytest.approx(0.005))
    layer_key = f"{names.FIRING_RATE_LAYER_PREFIX}0_l1"
    residual_key = f"{names.FIXED_POINT_RESIDUAL_STREAM_PREFIX}0"
    change_key = f"{names.RATE_STEP_CHANGE_STREAM_PREFIX}0"
    layer_ops = {f"{prefix}{layer}" for prefix in (names.SYNAPTIC_OPS_LAYER_PREFIX, names.MACS_LAYER_PREFIX,
                                                  names.ENERGY_LAYER_PREFIX) for layer in ("s0_l1", "head")}
    assert set(last) - METRIC_CONSTANTS == {layer_key, residual_key, f"{residual_key}_max", change_key, *layer_ops}
    assert METRIC_CONSTANTS - set(last) == {names.FIRING_RATE_LAYER_PREFIX, names.FIXED_POINT_RESIDUAL_STREAM_PREFIX,
                                            names.RATE_STEP_CHANGE_STREAM_PREFIX, names.NODE, names.SYNAPTIC_OPS_LAYER_PREFIX,
                                            names.MACS_LAYER_PREFIX, names.ENERGY_LAYER_PREFIX}
    # one stream: the joint figures are the stream's
    assert last[residual_key] == pytest.approx(last[names.FIXED_POINT_RESIDUAL])
    assert last[f"{residual_key}_max"] == pytest.approx(last[names.FIXED_POINT_RESIDUAL_MAX])
    assert last[change_key] == pytest.approx(last[names.RATE_STEP_CHANGE])
    assert math.isnan(last[names.JACOBIAN_PENALTY])  # no regulariser configured
    assert last[names.NEURONS] == 64 + 64 * 4 * 4 + 10 and last[names.DEVICE] == "cpu"
    assert last[names.MEMORY_KIND] == "cpu_epoch_peak_rss" and last[names.PEAK_MEMORY_MB] > 50
    assert last[names.EPOCH_TIME_S] > 0
    assert last[names.SAMPLES_PER_S] == pytest.approx(1438 / last[names.EPOCH_TIME_S])
    assert all(isinstance(value, (int, float, str)) for value in last.values())


def test_bptt_and_one_step_train_and_report_no_backward_residual():
    base = ExperimentConfig(model=ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=3)),
                            data=DataConfig(dataset="digits", batch_size=64, limit_train=128, limit_test=50),
                            train=TrainConfig(epochs=1), seed=0)
    bptt = fit(ExperimentConfig(model=ModelConfig(preset="ide_digits_f64c5", gradient="bptt",
                                                  simulation=SimulationConfig(time_steps=3)),
                                data=base.data, train=base.train)).final_metrics
    one_step = fit(ExperimentConfig(model=ModelConfig(preset="ide_digits_f64c5", backward=SolverConfig(name="one_step"),
                                                      simulation=SimulationConfig(time_steps=3)),
                                    data=base.data, train=base.train)).final_metrics
    assert math.isnan(bptt[names.BACKWARD_RESIDUAL]) and math.isnan(bptt[names.BACKWARD_STEPS])
    assert math.isnan(bptt[names.FIXED_POINT_RESIDUAL]) and math.isnan(bptt[names.SPECTRAL_RADIUS])
    assert math.isnan(one_step[names.BACKWARD_RESIDUAL]) and one_step[names.BACKWARD_STEPS] == 0
    assert one_step[names.BACKWARD_FALLBACKS] == 0 and one_step[names.FIXED_POINT_RESIDUAL] > 0
    assert math.isfinite(bptt[names.TRAIN_LOSS]) and math.isfinite(one_step[names.TRAIN_LOSS])


def test_a_preset_that_does_not_fit_the_dataset_fails_before_any_data_is_read(tmp_path):
    config = ExperimentConfig(model=ModelConfig(preset="mpis_nmnist"),
                              data=DataConfig(dataset="nmnist", data_dir=str(tmp_path / "nothing")))
    with pytest.raises(ValueError, match=r"preset='mpis_nmnist' is invalid for dataset='nmnist'.*crop_nmnist=True"):
        fit(config)
    assert not (tmp_path / "nothing").exists()
