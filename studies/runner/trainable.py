"""The one Ray Tune trainable of every study: sampled dict -> typed config -> ``mpis.training.fit``.

Per trial it writes ``mpis_config.json`` and one ``mpis_attempts.jsonl`` line, resumes from the
latest checkpoint when Tune restarts it (worker killed, ``--resume``), and reports every epoch's
metrics with the node it ran on. A ``TrainingDiverged`` error becomes one last row with
``status="diverged"`` (every objective's metric NaN: the study metric, or each of ``--objectives``)
and a normal end, so the study goes on; the searcher then tells Optuna FAIL with ``status=diverged``.

A worker runs one trial after another (``reuse_actors``), so every trial starts from the same state
a fresh worker has: its own torch threads, the memory the last trial left handed back (peak memory
is reset per epoch by ``fit``), no compiled graphs of earlier trials, and every RNG seeded by ``fit``.
This module imports only what a trial needs (no Optuna, no tables, no dataset library but its own).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import torch
from ray import tune

from analysis.study_files import (
    DIVERGED_EPOCH,
    DIVERGED_STEP,
    DIVERGED_VALUE,
    DIVERGED_WHAT,
    STATUS,
    STATUS_DIVERGED,
    STATUS_OK,
    TRIAL_FOLDER,
)
from mpis import metric_names
from mpis.config import ExperimentConfig
from mpis.training import TrainingDiverged, fit
from mpis.training.device import release_free_memory
from studies.runner.space import experiment_config_of_trial
from studies.runner.trial_records import (
    append_attempt,
    checkpoint_epoch,
    mark_checkpoint_epoch,
    node_identity,
    write_trial_config,
)

CUDA_MEMORY_HEADROOM = 0.95
# Tune's progress table shows the first four numeric metrics of a row (Ray 2.60's _infer_user_metrics;
# its own columns already give the epoch, "iter", and the time): accuracy and the equilibrium's health.
LEADING_METRICS = (metric_names.TEST_ACCURACY, metric_names.FIXED_POINT_RESIDUAL, metric_names.SPECTRAL_RADIUS,
                   metric_names.BACKWARD_FALLBACKS)


def run_trial(sampled: dict[str, Any], *, base: ExperimentConfig, variants: dict[str, dict[str, Any]],
              experiment_dir: str, metrics: tuple[str, ...], cpus_per_trial: float, gpus_per_trial: float) -> None:
    """Train one trial; the keyword arguments are bound once per study with ``tune.with_parameters``."""
    start_like_a_fresh_worker(cpus_per_trial)
    config = experiment_config_of_trial(sampled, base, variants)
    trial_dir = Path(experiment_dir) / Path(tune.get_context().get_trial_dir()).name
    write_trial_config(trial_dir, config)
    identity = {**node_identity(), TRIAL_FOLDER: trial_dir.name}
    attempt = {**identity, "gpu_memory_fraction": _cap_cuda_memory(gpus_per_trial)}
    checkpoint = tune.get_checkpoint()
    if checkpoint is None:
        append_attempt(trial_dir, attempt, resumed_from_epoch=0)
        _fit_and_report(config, identity, metrics, resume_from=None)
        return
    with checkpoint.as_directory() as directory:
        done = checkpoint_epoch(directory)
        append_attempt(trial_dir, attempt, resumed_from_epoch=done)
        if done < config.train.epochs:  # else it had finished when a dead driver last saved
            _fit_and_report(config, identity, metrics, resume_from=directory)


def _fit_and_report(config: ExperimentConfig, identity: dict[str, str], metrics: tuple[str, ...],
                    resume_from: str | None) -> None:
    def report(row: dict[str, Any], checkpoint_dir: str) -> None:
        mark_checkpoint_epoch(checkpoint_dir, row[metric_names.EPOCH])
        leading = {key: row[key] for key in LEADING_METRICS if key in row}
        tune.report({**leading, **row, **identity, STATUS: STATUS_OK},
                    checkpoint=tune.Checkpoint.from_directory(checkpoint_dir))

    try:
        fit(config, report, resume_from=resume_from)
    except TrainingDiverged as diverged:
        tune.report({**identity, STATUS: STATUS_DIVERGED, **dict.fromkeys(metrics, math.nan),
                     metric_names.EPOCH: diverged.epoch, DIVERGED_WHAT: diverged.what,
                     DIVERGED_EPOCH: diverged.epoch, DIVERGED_STEP: diverged.step,
                     DIVERGED_VALUE: float(diverged.value)})


def start_like_a_fresh_worker(cpus_per_trial: float) -> None:
    """Undo what an earlier trial in this (reused) worker may have left behind."""
    torch.set_num_threads(max(1, int(cpus_per_trial)))
    if "torch._dynamo" in sys.modules:  # compiled graphs (and their recompile budget) are per trial
        sys.modules["torch._dynamo"].reset()
    release_free_memory()


def _cap_cuda_memory(gpus_per_trial: float) -> float | None:
    """A fractional GPU is only bookkeeping in Ray: cap this process's share of the GPU's memory.

    The cap is 95 % of the fraction, leaving room for every sharing process's CUDA context.
    Returns the fraction applied, or None (no fractional GPU here).
    """
    if not (0 < gpus_per_trial < 1 and torch.cuda.is_available()):
        return None
    fraction = CUDA_MEMORY_HEADROOM * gpus_per_trial
    torch.cuda.set_per_process_memory_fraction(fraction, device=0)
    return fraction
