"""Checks that need no Ray: every arm and every preset choice fits its dataset, and (for a study run
on this machine) the data is there, so a broken study fails in seconds, not after its first trial."""

from __future__ import annotations

from analysis.study_files import VARIANT
from mpis.config import ExperimentConfig
from mpis.data import build_dataloaders
from mpis.training.compatibility import check_preset_fits_dataset
from studies.runner.search_setup import sweep_space
from studies.runner.settings import StudySettings
from studies.runner.space import experiment_config_of_trial
from studies.runner.spec import SEARCH_GRID, StudySpec


def representative_configs(spec: StudySpec, settings: StudySettings) -> list[ExperimentConfig]:
    """One config per grid arm, or one per preset a sweep can choose (other values at the base)."""
    if spec.search == SEARCH_GRID:
        return [experiment_config_of_trial({VARIANT: name}, settings.base, spec.variants) for name in spec.variants]
    preset = sweep_space(spec, settings).get("model", {}).get("preset")
    choices = getattr(preset, "categories", [settings.base.model.preset])
    return [experiment_config_of_trial({"model": {"preset": choice}}, settings.base, {}) for choice in choices]


def check_study_configs(spec: StudySpec, settings: StudySettings) -> list[ExperimentConfig]:
    """Raise ``ValueError`` (one line) for an arm or preset choice that does not fit its dataset."""
    configs = representative_configs(spec, settings)
    for config in configs:
        check_preset_fits_dataset(config.model, config.data)
    return configs


def check_data_present(configs: list[ExperimentConfig]) -> None:
    """Open every dataset the study uses (downloading it once here if allowed and missing).

    Raises ``mpis.data.DatasetMissing``.
    """
    seen = set()
    for config in configs:
        if config.data in seen:
            continue
        seen.add(config.data)
        build_dataloaders(config.data, time_steps=config.model.simulation.time_steps, seed=config.seed)
