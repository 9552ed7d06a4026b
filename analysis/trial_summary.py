"""Summarise one trial's per-epoch results into one row, by a stated rule per metric.

Rules (the column keeps the metric's name):

* last epoch: test/train accuracy, train loss, firing rates, operation counts and energy per test
  sample (in total and per layer), the equilibrium's state at the end of
  training (fixed-point residual mean and max, per stream too, spectral radius, rate step change,
  backward residual), parameters, neurons, node, device;
* maximum over epochs: ``best_test_accuracy`` (also over ``test_accuracy``), ``peak_memory_mb`` and
  ``backward_residual_max``;
* mean over epochs: ``epoch_time_s`` (time per epoch), ``samples_per_s``, forward/backward steps;
* sum over epochs: ``backward_fallbacks`` (every failed solve of the trial counts).

The extra row a diverged trial writes (``status: diverged``, see ``studies/README.md``) only fills
the ``diverged_*`` columns; the metrics come from the epoch rows.

A trial's ``status``, decided by the first rule that applies:

1. ``diverged``: a ``status: diverged`` result or a non-finite final loss;
2. ``completed``: all ``train.epochs`` reported, even if an attempt failed on the way (Tune keeps
   ``error.txt`` after a retry that finished the trial);
3. ``error``: Ray's final status is ERROR (the last attempt failed, retries used up);
4. ``running`` / ``pending`` / ``paused``: Ray's status (a failed trial may be waiting for its retry);
5. ``error``: without a final Ray status, ``error.txt`` records at least as many failures as the
   trial had starts (``mpis_attempts.jsonl``), i.e. no attempt started after the last failure;
6. ``completed`` (no planned epoch count) or ``stopped`` (e.g. by ASHA): Ray TERMINATED it;
7. ``incomplete``: anything else (a retry killed with its driver, a study still to be resumed).
"""

from __future__ import annotations

import math

from analysis.study_files import STATUS, STATUS_DIVERGED
from mpis import metric_names as m

DIVERGED_STATUS_KEY = STATUS  # result key the studies write for a diverged trial
DIVERGED_STATUS_VALUE = STATUS_DIVERGED

LAST_VALUE_METRICS = (m.TEST_ACCURACY, m.TEST_LOSS, m.TRAIN_ACCURACY, m.TRAIN_LOSS, m.LEARNING_RATE,
                      m.FIRING_RATE_TOTAL, m.FIXED_POINT_RESIDUAL, m.FIXED_POINT_RESIDUAL_MAX,
                      m.SPECTRAL_RADIUS, m.SPECTRAL_RADIUS_MEDIAN, m.RATE_STEP_CHANGE, m.BACKWARD_RESIDUAL,
                      m.JACOBIAN_PENALTY, m.GRADIENT_NORM, m.PARAMETERS, m.NEURONS, m.NODE, m.DEVICE,
                      m.MEMORY_KIND, m.EPOCH, "time_total_s", "node_id", "hostname",
                      m.SYNAPTIC_OPS, m.MACS, m.ENERGY_UJ, m.ANN_MACS, m.ANN_ENERGY_UJ, m.ENERGY_RATIO)
LAST_VALUE_PREFIXES = (m.FIRING_RATE_LAYER_PREFIX, m.FIXED_POINT_RESIDUAL_STREAM_PREFIX,
                       m.RATE_STEP_CHANGE_STREAM_PREFIX, m.SYNAPTIC_OPS_LAYER_PREFIX, m.MACS_LAYER_PREFIX,
                       m.ENERGY_LAYER_PREFIX)
DIVERGED_FIELDS = ("diverged_what", "diverged_epoch", "diverged_step", "diverged_value")
MAX_OVER_EPOCHS_METRICS = (m.PEAK_MEMORY_MB, m.BACKWARD_RESIDUAL_MAX)
MEAN_OVER_EPOCHS_METRICS = (m.EPOCH_TIME_S, m.SAMPLES_PER_S, m.FORWARD_STEPS, m.BACKWARD_STEPS)
SUM_OVER_EPOCHS_METRICS = (m.BACKWARD_FALLBACKS,)


def _values(results: list[dict], key: str) -> list:
    return [result[key] for result in results if result.get(key) is not None]


def _numbers(results: list[dict], key: str) -> list[float]:
    return [float(v) for v in _values(results, key) if isinstance(v, (int, float)) and not isinstance(v, bool)]


def epoch_rows(results: list[dict]) -> list[dict]:
    """The per-epoch rows: the diverged row dropped, and an epoch reported again after a restore
    (retry or resume from a checkpoint) kept once, as its last report."""
    rows = [result for result in results if result.get(DIVERGED_STATUS_KEY) != DIVERGED_STATUS_VALUE]
    by_epoch = {row.get(m.EPOCH, index): row for index, row in enumerate(rows)}
    return list(by_epoch.values())


def summarise_metrics(results: list[dict]) -> dict:
    """One trial's metric columns from its result lines (see the module docstring for the rules)."""
    row: dict = {key: values[-1] for key in DIVERGED_FIELDS if (values := _values(results, key))}
    results = epoch_rows(results)
    layer_keys = sorted({key for result in results for key in result
                         if key.startswith(LAST_VALUE_PREFIXES)})
    for key in (*LAST_VALUE_METRICS, *layer_keys):
        values = _values(results, key)
        if values:
            row[key] = values[-1]
    for key in MAX_OVER_EPOCHS_METRICS:
        numbers = _numbers(results, key)
        if numbers:
            row[key] = max(numbers)
    for key in MEAN_OVER_EPOCHS_METRICS:
        numbers = _numbers(results, key)
        if numbers:
            row[key] = sum(numbers) / len(numbers)
    for key in SUM_OVER_EPOCHS_METRICS:
        numbers = _numbers(results, key)
        if numbers:
            row[key] = sum(numbers)
    accuracies = _numbers(results, m.TEST_ACCURACY) + _numbers(results, m.BEST_TEST_ACCURACY)
    finite = [value for value in accuracies if math.isfinite(value)]
    if finite:
        row[m.BEST_TEST_ACCURACY] = max(finite)
    row["epochs_reported"] = int(max(_numbers(results, m.EPOCH), default=len(results)))
    return row


def _diverged(results: list[dict]) -> bool:
    if any(result.get(DIVERGED_STATUS_KEY) == DIVERGED_STATUS_VALUE for result in results):
        return True
    losses = _numbers(results, m.TRAIN_LOSS)
    return bool(losses) and not math.isfinite(losses[-1])


def trial_status(results: list[dict], *, error: str | None, ray_status: str | None,
                 planned_epochs: int | None, attempts: int = 0, failures: int | None = None) -> str:
    """The trial's outcome by the rules of the module docstring. ``attempts``: the trial's starts
    (lines of ``mpis_attempts.jsonl``); ``failures``: the failures ``error.txt`` records (default:
    1 when there is an ``error``, else 0)."""
    failures = (1 if error is not None else 0) if failures is None else failures
    if _diverged(results):
        return "diverged"
    epochs_done = max(_numbers(results, m.EPOCH), default=len(results))
    if results and planned_epochs is not None and epochs_done >= planned_epochs:
        return "completed"
    if ray_status == "ERROR":
        return "error"
    if ray_status in ("RUNNING", "PENDING", "PAUSED"):
        return ray_status.lower()
    if failures and ray_status != "TERMINATED" and failures >= attempts:
        return "error"
    if results and ray_status == "TERMINATED":
        return "completed" if planned_epochs is None else "stopped"
    return "incomplete"
