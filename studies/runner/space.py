"""Search spaces as nested dicts mirroring ``ExperimentConfig``, and the typed config of one trial.

A sampled trial config is a nested dict such as ``{"model": {"preset": "mpis_cifar10",
"neuron": {"v_threshold": 2.5}}, "train": {"learning_rate": 0.03}}`` (grid studies add
``{"variant": "<arm>", "seed": 3}``). :func:`experiment_config_of_trial` merges it onto the typed base config with
``mpis.config_io.config_from_dict``, which rejects unknown keys.

Family rule: ``model.streams``, ``model.depth`` and ``model.widths`` describe MPIS streams only. For
any preset whose family is not ``"mpis"`` they are reset to ``None`` (the preset's own), so an IDE or
CNN trial ignores them; the Optuna space does not even sample them (``define_by_run.py``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

from analysis.study_files import VARIANT
from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.models import PRESETS

MPIS_FAMILY = "mpis"
MPIS_ONLY_FIELDS = ("model.streams", "model.depth", "model.widths")


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of nested dict ``base`` with ``changes`` merged in (dicts recursively, leaves replaced)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def space_leaves(space: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``("model.neuron.v_threshold", domain)`` for every leaf of a nested space, in order."""
    for key, value in space.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from space_leaves(value, name + ".")
        else:
            yield name, value


def is_mpis_preset(preset: str) -> bool:
    return PRESETS[preset].family == MPIS_FAMILY


def without_mpis_only_fields(config: ExperimentConfig) -> ExperimentConfig:
    """``config`` unchanged for an MPIS preset; otherwise with streams, depth and widths reset."""
    if is_mpis_preset(config.model.preset):
        return config
    model = dataclasses.replace(config.model, streams=None, depth=None, widths=None)
    return dataclasses.replace(config, model=model)


def experiment_config_of_trial(sampled: dict[str, Any], base: ExperimentConfig,
                 variants: dict[str, dict[str, Any]]) -> ExperimentConfig:
    """The typed config of one trial: ``base``, then its variant (grid studies), then the samples."""
    values = dict(sampled)
    variant = values.pop(VARIANT, None)
    config = base
    if variant is not None:
        config = config_from_dict(variants[variant], config)
    return without_mpis_only_fields(config_from_dict(values, config))
