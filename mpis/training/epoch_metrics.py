"""The flat per-epoch metrics dict, keyed by the names in :mod:`mpis.metric_names`."""

from __future__ import annotations

import math
import statistics
from typing import Any

from mpis import metric_names as names
from mpis.data.dataset_info import DatasetInfo
from mpis.energy import DEFAULT_ENERGY_PRESET, energy_uj
from mpis.training.evaluation import EvalTotals
from mpis.training.train_epoch import TrainTotals


def count_neurons(info: DatasetInfo, layer_neurons: list[list[int]]) -> int:
    """Input + spiking + output neurons per sample (ALGORITHMS.md §2.4: 784 + 400 + 10 for F400)."""
    return math.prod(info.input_shape) + sum(map(sum, layer_neurons)) + info.num_classes


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _max(values: list[float]) -> float:
    return max(values) if values else math.nan


def _equilibrium_metrics(train: TrainTotals) -> dict[str, float]:
    """Fixed-point residual (mean and max, joint and per stream), step change, spectral radius."""
    metrics = {names.FIXED_POINT_RESIDUAL: math.nan, names.FIXED_POINT_RESIDUAL_MAX: math.nan}
    joint = [step[0] for step in train.residuals]
    if joint:
        metrics = {names.FIXED_POINT_RESIDUAL: _mean(joint), names.FIXED_POINT_RESIDUAL_MAX: _max(joint)}
        for stream in range(len(train.residuals[0]) - 1):
            values = [step[stream + 1] for step in train.residuals]
            metrics[f"{names.FIXED_POINT_RESIDUAL_STREAM_PREFIX}{stream}"] = _mean(values)
            metrics[f"{names.FIXED_POINT_RESIDUAL_STREAM_PREFIX}{stream}_max"] = _max(values)
    radii = train.spectral_radii
    metrics[names.SPECTRAL_RADIUS] = _max(radii)
    metrics[names.SPECTRAL_RADIUS_MEDIAN] = statistics.median(radii) if radii else math.nan
    metrics[names.RATE_STEP_CHANGE] = _mean([step[0] for step in train.step_changes])
    for stream in range(len(train.step_changes[0]) - 1 if train.step_changes else 0):
        metrics[f"{names.RATE_STEP_CHANGE_STREAM_PREFIX}{stream}"] = _mean(
            [step[stream + 1] for step in train.step_changes])
    return metrics


def operation_metrics(test: EvalTotals, preset: str = DEFAULT_ENERGY_PRESET) -> dict[str, float]:
    """ACs, MACs and energy per test sample, in total and per layer key; NaN where nothing was counted."""
    if test.operations is None:
        return {key: math.nan for key in (names.SYNAPTIC_OPS, names.MACS, names.ENERGY_UJ, names.ANN_MACS,
                                          names.ANN_ENERGY_UJ, names.ENERGY_RATIO)}
    ops = test.operations
    acs, macs, ann = ops.per_sample(ops.synaptic_ops), ops.per_sample(ops.macs), ops.per_sample(ops.ann_macs)
    total = energy_uj(synaptic_ops=sum(acs.values()), macs=sum(macs.values()), preset=preset)
    ann_total = energy_uj(synaptic_ops=0.0, macs=sum(ann.values()), preset=preset)
    metrics = {names.SYNAPTIC_OPS: sum(acs.values()), names.MACS: sum(macs.values()), names.ENERGY_UJ: total,
               names.ANN_MACS: sum(ann.values()), names.ANN_ENERGY_UJ: ann_total,
               names.ENERGY_RATIO: ann_total / total if total > 0 else math.inf}
    for layer in acs:
        metrics[names.SYNAPTIC_OPS_LAYER_PREFIX + layer] = acs[layer]
        metrics[names.MACS_LAYER_PREFIX + layer] = macs[layer]
        metrics[names.ENERGY_LAYER_PREFIX + layer] = energy_uj(synaptic_ops=acs[layer], macs=macs[layer], preset=preset)
    return metrics


def epoch_metrics(epoch: int, train: TrainTotals, test: EvalTotals, *, epoch_time_s: float,
                  peak_memory: tuple[float, str], best_test_accuracy: float,
                  energy_preset: str = DEFAULT_ENERGY_PRESET) -> dict[str, Any]:
    """Everything one epoch measured; constants (parameters, neurons, device) are added by the caller."""
    metrics: dict[str, Any] = {
        names.EPOCH: epoch,
        names.TRAIN_LOSS: train.loss_sum / train.samples,
        names.TRAIN_ACCURACY: 100.0 * train.correct / train.samples,
        names.TEST_LOSS: test.loss_sum / test.samples,
        names.TEST_ACCURACY: 100.0 * test.correct / test.samples,
        names.BEST_TEST_ACCURACY: best_test_accuracy,
        names.LEARNING_RATE: train.learning_rate,
        names.EPOCH_TIME_S: epoch_time_s,
        names.SAMPLES_PER_S: train.samples / epoch_time_s,
        names.PEAK_MEMORY_MB: peak_memory[0],
        names.MEMORY_KIND: peak_memory[1],
        names.FIRING_RATE_TOTAL: test.total_firing_rate(),
        **operation_metrics(test, energy_preset),
        names.FORWARD_STEPS: _mean(train.forward_steps),
        **_equilibrium_metrics(train),
        names.BACKWARD_STEPS: _mean(train.backward_steps),
        names.BACKWARD_RESIDUAL: _mean(train.backward_residuals),
        names.BACKWARD_RESIDUAL_MAX: _max(train.backward_residuals),
        names.BACKWARD_FALLBACKS: train.backward_fallbacks,
        names.JACOBIAN_PENALTY: _mean(train.jacobian_penalties),
        names.GRADIENT_NORM: _mean(train.gradient_norms),
    }
    for stream, rates in enumerate(test.layer_firing_rates()):
        for layer, rate in enumerate(rates, start=1):
            metrics[f"{names.FIRING_RATE_LAYER_PREFIX}{stream}_l{layer}"] = rate
    return metrics
