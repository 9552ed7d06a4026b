"""The flat per-epoch metrics dict, keyed by the names in :mod:`mpis.metric_names`."""

from __future__ import annotations

import math
import statistics
from typing import Any

from mpis import metric_names as names
from mpis.data.dataset_info import DatasetInfo
from mpis.training.evaluation import EvalTotals
from mpis.training.train_epoch import TrainTotals


def count_neurons(info: DatasetInfo, layer_neurons: list[list[int]]) -> int:
    """Input + spiking + output neurons per sample (ALGORITHMS.md §2.4: 784 + 400 + 10 for F400)."""
    return math.prod(info.input_shape) + sum(map(sum, layer_neurons)) + info.num_classes


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def epoch_metrics(epoch: int, train: TrainTotals, test: EvalTotals, *, epoch_time_s: float,
                  peak_memory: tuple[float, str], best_test_accuracy: float) -> dict[str, Any]:
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
        names.FORWARD_RESIDUAL: _mean(train.forward_residuals),
        names.FORWARD_STEPS: _mean(train.forward_steps),
        names.BACKWARD_STEPS: _mean(train.backward_steps),
        names.BACKWARD_RESIDUAL: _mean(train.backward_residuals),
    }
    for key in train.stream_residuals[0] if train.stream_residuals else []:  # "MulRes n" final values
        metrics[key] = _mean([step[key] for step in train.stream_residuals])
    for stream, rates in enumerate(test.layer_firing_rates()):
        for layer, rate in enumerate(rates, start=1):
            metrics[f"{names.FIRING_RATE_LAYER_PREFIX}{stream}_l{layer}"] = rate
    return metrics
