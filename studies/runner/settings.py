"""What a run of a study actually uses: the flags resolved against the study, or, with ``--resume``,
against what the study ran with (its ``mpis_study.json``), so a resumed study runs what it ran."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.data import resolve_data_root
from studies.runner.options import StudyOptions
from studies.runner.resume import check_resumable
from studies.runner.spec import Budget, StudySpec
from studies.runner.study_input_error import StudyInputError


@dataclass(frozen=True)
class StudySettings:
    budget_name: str
    budget: Budget
    seed: int
    data_dir: str  # absolute: trials run in their own working directories, maybe on other nodes
    base: ExperimentConfig  # spec.base + the budget's overrides + data_dir + seed
    num_samples: int
    max_concurrent: int
    experiment_dir: Path


def resolve_settings(spec: StudySpec, options: StudyOptions) -> StudySettings:
    experiment_dir = options.storage_path / options.name
    if options.resume:
        budget_name, seed, data_dir = _resumed_choices(options, experiment_dir)
    else:
        check_storage_writable(options.storage_path)
        if experiment_dir.exists() and not experiment_dir.is_dir():
            raise StudyInputError(f"--name={options.name} is invalid; allowed: a new study name "
                                  f"({experiment_dir} is a file)")
        if experiment_dir.is_dir() and any(experiment_dir.iterdir()):
            raise StudyInputError(f"--name={options.name} is invalid; allowed: a new study name "
                                  f"({experiment_dir} already holds a study: add --resume to continue it)")
        budget_name = options.budget or spec.default_budget
        seed = 0 if options.seed is None else options.seed
        data_dir = str(resolve_data_root(options.data_dir))
    budget = spec.budgets[budget_name]
    base = config_from_dict(budget.overrides, spec.base)
    base = dataclasses.replace(base, seed=seed, data=dataclasses.replace(base.data, data_dir=data_dir))
    return StudySettings(budget_name=budget_name, budget=budget, seed=seed, data_dir=data_dir, base=base,
                         num_samples=options.num_samples or budget.num_samples,
                         max_concurrent=options.max_concurrent or budget.max_concurrent,
                         experiment_dir=experiment_dir)


def check_storage_writable(storage: Path) -> None:
    """``--storage-path`` must be a directory this user can create files in: probed by creating it
    (with its parents) and a file in it, so a file, a path under a file or a read-only place fails
    here, before Ray starts."""
    allowed = "a directory this user can write (local disk, or a file system shared by every node)"
    if storage.exists() and not storage.is_dir():
        raise StudyInputError(f"--storage-path={storage} is invalid; allowed: {allowed} (it is a file)")
    try:
        storage.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(prefix=".mpis-probe-", dir=storage)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise StudyInputError(f"--storage-path={storage} is invalid; allowed: {allowed} "
                              f"({error.strerror or type(error).__name__}: {error.filename or storage})") from None


def _resumed_choices(options: StudyOptions, experiment_dir: Path) -> tuple[str, int, str]:
    """Budget, seed and data root from the manifest (``budget``; ``preset`` in manifests written
    before the flag was renamed); a flag that contradicts them is an error."""
    manifest = check_resumable(experiment_dir)
    for flag, given in (("--num-samples", options.num_samples), ("--max-concurrent", options.max_concurrent)):
        if given is not None:
            raise StudyInputError(f"{flag}={given} is invalid with --resume; allowed: leave it out "
                                  "(a resumed study keeps its budget)")
    recorded_budget = manifest.get("budget", manifest.get("preset"))
    for flag, given, recorded in (("--budget", options.budget, recorded_budget),
                                  ("--seed", options.seed, manifest["seed"])):
        if given is not None and given != recorded:
            raise StudyInputError(f"{flag}={given} is invalid with --resume; allowed: {recorded} "
                                  f"(what {experiment_dir.name} ran with)")
    data_dir = options.data_dir or manifest["data_dir"]  # the data may have moved; the trial is the same
    return recorded_budget, manifest["seed"], data_dir
