"""``fit(config, report)``: the one training entry point, used by the command line and by studies.

Per epoch: train (timed, CUDA-synchronised), evaluate on the test split, write a checkpoint atomically
into a fresh directory, then hand ``(metrics, checkpoint_dir)`` to ``report``. With ``report=None`` a
progress line is printed instead. Checkpoints go under ``checkpoint_root`` (the latest one is kept,
and ``best/`` holds the epoch with the highest test accuracy so far), or, when only ``report`` is
given, into a temporary directory that is deleted once ``report`` returns (the callback copies what
it wants to keep, as Ray Tune's ``Checkpoint.from_directory`` does). With ``log`` (the command
line's), fit says what it loaded before the first epoch and shows a progress bar (batches, samples/s,
ETA) inside every epoch and test pass on a terminal.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from mpis import metric_names as names
from mpis.config import ExperimentConfig
from mpis.models import count_parameters
from mpis.training.checkpoints import load_checkpoint, save_checkpoint
from mpis.training.compatibility import check_preset_fits_dataset
from mpis.training.device import (
    device_name,
    peak_memory_mb,
    reset_peak_memory,
    resolve_device,
    synchronize,
)
from mpis.training.epoch_metrics import count_neurons, epoch_metrics
from mpis.training.evaluation import evaluate
from mpis.training.progress import format_progress_line, progress_bar
from mpis.training.train_epoch import train_one_epoch
from mpis.training.training_run import TrainingRun, build_run, check_same_run

Report = Callable[[dict[str, Any], str], None]
BEST_CHECKPOINT = "best"  # under checkpoint_root: the checkpoint of the best epoch so far


@dataclass
class FitSummary:
    best_test_accuracy: float  # percent, the maximum over all epochs (test-set model selection, §5.5)
    final_metrics: dict[str, Any]  # the last epoch's metrics
    epochs_run: int  # epochs trained by this call (fewer than the total after a resume)
    history: list[dict[str, Any]]  # every epoch's metrics, those before a resume included


def fit(config: ExperimentConfig, report: Report | None = None, *, resume_from: str | None = None,
        checkpoint_root: str | None = None, log: Callable[[str], None] | None = None) -> FitSummary:
    """Train ``config.train.epochs`` epochs (continuing after the epoch saved in ``resume_from``).

    ``metrics`` keys come from :mod:`mpis.metric_names`; ``EPOCH`` is 1-based. Raises ``ValueError``
    for a preset that does not fit the dataset or an unusable checkpoint, ``DatasetMissing`` for
    missing data (all before training), and ``TrainingDiverged`` when the loss, a rate, a gradient
    or a parameter stops being finite, or too many backward solves fail. A fresh run (not a resume)
    first calibrates the hidden BN statistics on real training samples (a start that fires).
    """
    device = resolve_device(config.train.device)
    check_preset_fits_dataset(config.model, config.data)
    saved = load_checkpoint(resume_from) if resume_from is not None else None
    if saved is not None:
        check_same_run(saved["config"], config, str(resume_from))
    started = time.perf_counter()
    run = build_run(config, device)
    constants = {names.PARAMETERS: count_parameters(run.model), names.DEVICE: device_name(device)}
    if log:
        log(describe_run(run, constants, time.perf_counter() - started))
    if saved is not None:
        try:
            run.restore(saved)
        except (RuntimeError, KeyError, ValueError) as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ValueError(f"resume_from={str(resume_from)!r} is invalid: its weights do not fit this "
                             f"model ({reason[:200]})") from None
        if log:
            log(f"resumed from {resume_from} after epoch {run.epoch}")
    else:
        _calibrate_batch_norm(run, log)
    first_epoch = run.epoch + 1
    with _checkpoint_folder(checkpoint_root, report) as folder:
        previous: Path | None = None
        for epoch in range(first_epoch, config.train.epochs + 1):
            metrics = _run_epoch(run, epoch, progress=log is not None) | constants
            run.history.append(metrics)
            previous = _publish(run, metrics, folder, previous, report, keep=checkpoint_root is not None)
    final = run.history[-1]
    return FitSummary(max(m[names.TEST_ACCURACY] for m in run.history), final,
                      max(0, config.train.epochs + 1 - first_epoch), list(run.history))


def describe_run(run: TrainingRun, constants: dict[str, Any], seconds: float) -> str:
    """One line: what was loaded and where it runs."""
    config = run.config
    return (f"data: {config.data.dataset}, {len(run.train_loader.dataset):,} train / "
            f"{len(run.test_loader.dataset):,} test samples | model: {config.model.preset} "
            f"({config.model.gradient}), {constants[names.PARAMETERS]:,} parameters, T={config.model.simulation.time_steps} | "
            f"device: {constants[names.DEVICE]} | ready in {seconds:.1f} s")


def _calibrate_batch_norm(run: TrainingRun, log: Callable[[str], None] | None) -> None:
    """The data-driven start (``SpikingModel.calibrate_batch_norm``) on the first
    ``bn_calibration_samples`` training samples in dataset order (the loader's shuffling is untouched)."""
    dataset = run.train_loader.dataset
    count = min(run.config.train.bn_calibration_samples, len(dataset))
    if count < 2 or run.config.model.gradient != "implicit":
        return
    started = time.perf_counter()
    inputs = torch.stack([dataset[i][0] for i in range(count)]).to(run.device)
    run.model.calibrate_batch_norm(inputs)
    if log:
        log(f"calibrated the hidden BN statistics on {count} training samples in {time.perf_counter() - started:.1f} s")


def _run_epoch(run: TrainingRun, epoch: int, *, progress: bool = False) -> dict[str, Any]:
    """Train one epoch (timed, peak memory), evaluate, and return the epoch's metrics."""
    peak_reset = reset_peak_memory(run.device)
    synchronize(run.device)
    started = time.perf_counter()
    with progress_bar(len(run.train_loader.dataset), f"epoch {epoch}", progress) as advance:
        totals = train_one_epoch(run.model, run.train_loader, run.optimizer, run.config.train,
                                 epoch=epoch, first_iteration=run.iteration, device=run.device,
                                 on_step=advance)
    synchronize(run.device)
    elapsed = time.perf_counter() - started
    memory = peak_memory_mb(run.device, since_reset=peak_reset)
    run.epoch, run.iteration = epoch, run.iteration + totals.steps
    with progress_bar(len(run.test_loader.dataset), f"test {epoch}", progress) as advance:
        test = evaluate(run.model, run.test_loader, run.device, on_batch=advance)
    best = max([m[names.TEST_ACCURACY] for m in run.history] + [100.0 * test.correct / test.samples])
    metrics = epoch_metrics(epoch, totals, test, epoch_time_s=elapsed, peak_memory=memory,
                            best_test_accuracy=best, energy_preset=run.config.train.energy_preset)
    metrics[names.NEURONS] = count_neurons(run.info, totals.layer_neurons)
    return metrics


def _publish(run: TrainingRun, metrics: dict[str, Any], folder: Path | None, previous: Path | None,
             report: Report | None, *, keep: bool) -> Path | None:
    """Checkpoint, then report (or print); delete the checkpoint it replaces. Returns the kept one."""
    if folder is None:  # nobody to report to and nowhere to keep checkpoints
        print(format_progress_line(metrics, run.config.train.epochs), flush=True)
        return None
    state = run.checkpoint_state()
    directory = save_checkpoint(state, metrics, folder / f"epoch_{run.epoch:04d}")
    earlier = [m[names.TEST_ACCURACY] for m in run.history[:-1]]
    if keep and (not earlier or metrics[names.TEST_ACCURACY] > max(earlier)):
        save_checkpoint(state, metrics, folder / BEST_CHECKPOINT)  # the best epoch, beside the latest
    if report is None:
        print(format_progress_line(metrics, run.config.train.epochs), flush=True)
    else:
        report(metrics, str(directory))
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    if keep:
        return directory
    shutil.rmtree(directory, ignore_errors=True)  # the callback has copied or moved what it keeps
    return None


@contextmanager
def _checkpoint_folder(checkpoint_root: str | None, report: Report | None) -> Iterator[Path | None]:
    """``checkpoint_root`` (absolute), a temporary folder removed afterwards, or ``None``."""
    if checkpoint_root is not None:
        yield Path(checkpoint_root).expanduser().resolve()
    elif report is None:
        yield None
    else:
        folder = Path(tempfile.mkdtemp(prefix="mpis-checkpoints-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
