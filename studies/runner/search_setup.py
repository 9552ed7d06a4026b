"""How a study searches: Optuna TPE + ASHA for sweeps, a grid of arms x seeds for paper tables.

Returns Tune's ``param_space`` and ``TuneConfig``. With ``--objectives`` (two or more) the sweep is
multi-objective: Optuna's multi-objective TPE over every objective's metric and direction, FIFO
(every trial runs all epochs), and each trial's final value of every objective told to Optuna. Sweeps keep the Optuna study in
``<experiment_dir>/optuna_journal.log`` (``optuna-dashboard`` opens it); every sweep trial uses the
study seed, so trials differ only in their hyperparameters. Grid studies run every arm with seeds
``seed, seed + 1, ...`` (``--num-samples`` of them).

Every study reuses its trial workers (``reuse_actors``): a worker that finished a trial starts the
next one without a new process, imports or parameter transfer. Nothing of a trial is kept for the
next: the trainable seeds every RNG, sets its threads and frees what the last trial left, and peak
memory is reset at every epoch's start (``mpis/training/device.py``), so it is the trial's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from ray import tune
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search import ConcurrencyLimiter
from ray.tune.search.sample import Domain

from analysis.study_files import JOURNAL_FILE, VARIANT
from mpis.metric_names import EPOCH
from studies.runner.define_by_run import ConditionalSpace
from studies.runner.searcher import StudyOptunaSearch
from studies.runner.settings import StudySettings
from studies.runner.space import deep_merge, space_leaves
from studies.runner.spec import SEARCH_GRID, StudySpec

REUSE_ACTORS = True


def sweep_space(spec: StudySpec, settings: StudySettings) -> dict[str, Any]:
    """The study's space with the preset's narrowing; every leaf must be a Tune domain."""
    space = deep_merge(spec.space, settings.budget.space)
    for name, leaf in space_leaves(space):
        if not isinstance(leaf, Domain):
            raise ValueError(f"search space leaf {name}={leaf!r} is invalid; allowed: a Tune domain such "
                             "as tune.uniform or tune.choice (put constants in the base config)")
    return space


def optuna_parameters(point: dict[str, Any]) -> dict[str, Any]:
    """A nested partial config as Optuna parameter names: ``{"model/preset": "mpis_digits"}``."""
    return {name.replace(".", "/"): value for name, value in space_leaves(point)}


def build_search(spec: StudySpec, settings: StudySettings) -> tuple[dict[str, Any], tune.TuneConfig]:
    if spec.search == SEARCH_GRID:
        seeds = [settings.seed + offset for offset in range(settings.num_samples)]
        param_space = {VARIANT: tune.grid_search(list(spec.variants)), "seed": tune.grid_search(seeds)}
        return param_space, tune.TuneConfig(num_samples=1, max_concurrent_trials=settings.max_concurrent,
                                            reuse_actors=REUSE_ACTORS)
    epochs = settings.base.train.epochs
    objectives = spec.objective_metrics
    multi = len(objectives) > 1
    searcher = StudyOptunaSearch(
        space=ConditionalSpace(sweep_space(spec, settings), settings.base.model.preset),
        metric=list(objectives) if multi else spec.metric, mode=list(objectives.values()) if multi else spec.mode,
        full_epochs=epochs, seed=settings.seed,
        storage=JournalStorage(JournalFileBackend(str(Path(settings.experiment_dir) / JOURNAL_FILE))),
        study_name=settings.experiment_dir.name,
        points_to_evaluate=[optuna_parameters(point) for point in spec.starting_points] or None)
    if multi:  # ASHA ranks by one metric; every trial runs all epochs (ECOSYSTEM.md: FIFO, no TuneConfig metric)
        return {}, tune.TuneConfig(num_samples=settings.num_samples, reuse_actors=REUSE_ACTORS,
                                   search_alg=ConcurrencyLimiter(searcher, max_concurrent=settings.max_concurrent))
    scheduler = ASHAScheduler(time_attr=EPOCH, metric=spec.metric, mode=spec.mode, max_t=epochs,
                              grace_period=min(settings.budget.grace_period, epochs),
                              reduction_factor=settings.budget.reduction_factor)
    return {}, tune.TuneConfig(num_samples=settings.num_samples, scheduler=scheduler, reuse_actors=REUSE_ACTORS,
                               search_alg=ConcurrencyLimiter(searcher, max_concurrent=settings.max_concurrent))
