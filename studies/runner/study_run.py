"""Build the Tuner of a study (new, or restored with ``--resume``) and run it.

Checkpoints: ``num_to_keep=1`` keeps only the latest one per trial (all a restart needs) and makes
Tune snapshot its experiment state after every trial checkpoint, so a killed driver loses at most
the last few seconds. Trial restarts: ``FailureConfig(max_failures)`` restarts a trial whose process
died from its latest checkpoint, before the searcher hears of any failure.
"""

from __future__ import annotations

import os
from typing import Sequence

from ray import tune
from ray.tune import CheckpointConfig, FailureConfig, ResultGrid, RunConfig, Tuner

from studies.runner.manifest import record_resume, write_manifest
from studies.runner.options import StudyOptions
from studies.runner.resume import mark_orphaned_trial_folders
from studies.runner.search_setup import build_search
from studies.runner.settings import StudySettings
from studies.runner.spec import StudySpec
from studies.runner.trainable import run_trial

# With num_to_keep=1 a snapshot after every checkpoint is intended; Tune's warning about it is noise.
os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
PROGRESS_VERBOSITY = 1  # Tune's trial table every few seconds, one line per trial start and end


def build_trainable(spec: StudySpec, options: StudyOptions, settings: StudySettings):
    """``run_trial`` with the study's constants bound and each trial's CPUs and GPUs reserved."""
    bound = tune.with_parameters(run_trial, base=settings.base, variants=spec.variants,
                                 experiment_dir=str(settings.experiment_dir),
                                 metrics=tuple(spec.objective_metrics),
                                 cpus_per_trial=options.cpus_per_trial,
                                 gpus_per_trial=options.gpus_per_trial)
    return tune.with_resources(bound, {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial})


def manifest_fields(spec: StudySpec, options: StudyOptions, settings: StudySettings) -> dict:
    return {"study": spec.name, "name": options.name, "experiment_dir": str(settings.experiment_dir.resolve()),
            "table": spec.table, "budget": settings.budget_name,
            "search": spec.search, "metric": spec.metric, "mode": spec.mode,
            "objectives": spec.objective_metrics,
            "max_epochs": settings.base.train.epochs, "seed": settings.seed,
            "num_samples": settings.num_samples, "data_dir": settings.data_dir,
            "variants": list(spec.variants), "argv": list(options.argv)}


def run_study(spec: StudySpec, options: StudyOptions, settings: StudySettings,
              callbacks: Sequence[tune.Callback] = ()) -> ResultGrid:
    trainable = build_trainable(spec, options, settings)
    path = str(settings.experiment_dir)
    if options.resume:
        orphans = mark_orphaned_trial_folders(settings.experiment_dir)
        if orphans:
            print(f"Marked {len(orphans)} trial folder(s) the dead driver never saved: {', '.join(orphans)}")
        record_resume(settings.experiment_dir, options.argv)
        tuner = Tuner.restore(path, trainable=trainable, resume_unfinished=True, resume_errored=False,
                              restart_errored=False)
        return tuner.fit()
    write_manifest(settings.experiment_dir, manifest_fields(spec, options, settings))
    param_space, tune_config = build_search(spec, settings)
    run_config = RunConfig(name=options.name, storage_path=str(options.storage_path),
                           checkpoint_config=CheckpointConfig(num_to_keep=1),
                           failure_config=FailureConfig(max_failures=options.max_failures),
                           callbacks=list(callbacks), verbose=PROGRESS_VERBOSITY)
    return Tuner(trainable, param_space=param_space, tune_config=tune_config, run_config=run_config).fit()
