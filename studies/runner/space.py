"""Search spaces as nested dicts mirroring ``ExperimentConfig``, and the typed config of one trial.

A sampled trial config is a nested dict such as ``{"model": {"preset": "mpis_cifar10",
"neuron": {"v_threshold": 2.5}}, "train": {"learning_rate": 0.03}}`` (grid studies add
``{"variant": "<arm>", "seed": 3}``). :func:`experiment_config_of_trial` merges it onto the typed base config with
``mpis.config_io.config_from_dict``, which rejects unknown keys.

Family rules (:func:`parameter_applies`; the Optuna space samples only what applies, see
``define_by_run.py``):

* ``model.streams``, ``model.depth`` and ``model.widths`` describe MPIS streams only. For any preset
  whose family is not ``"mpis"`` they are reset to ``None`` (the preset's own).
* ``model.gsnn.*`` applies to gsnn presets only, and each option only where it changes the network
  (``mpis.models.gsnn_family.option_applies``: theta for product/nested fusion, bidirectional for
  recurrent cells, ...), judged on the preset with the options sampled before it.
* A gsnn trial samples no other ``model.*`` field, except T, V_th, the leak (its decay) and dropout in
  a gsnn study (whose base preset is gsnn): elsewhere those ranges are the equilibrium families'.
* A trial whose preset is of another family than the base's starts from that preset's defaults
  (``mpis.models.with_preset_defaults``: a gsnn arm trains by BPTT at T = 1 with the release's LIF).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

from analysis.study_files import VARIANT
from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.models import PRESETS, with_preset_defaults
from mpis.models.gsnn import gsnn_config
from mpis.models.gsnn_family import option_applies

MPIS_FAMILY = "mpis"
GSNN_FAMILY = "gsnn"
MPIS_ONLY_FIELDS = ("model.streams", "model.depth", "model.widths")
GSNN_PREFIX = "model.gsnn."
GSNN_STUDY_FIELDS = ("model.simulation.time_steps", "model.neuron.v_threshold", "model.neuron.leak", "model.dropout")


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


def parameter_applies(name: str, preset: str, base_preset: str, sampled: dict[str, Any]) -> bool:
    """Whether dotted parameter ``name`` is sampled for a trial of ``preset`` in a study whose base
    preset is ``base_preset``; ``sampled`` holds the dotted parameters drawn so far (family rules)."""
    family = PRESETS[preset].family
    if name in MPIS_ONLY_FIELDS:
        return family == MPIS_FAMILY
    if name.startswith(GSNN_PREFIX):
        if family != GSNN_FAMILY:
            return False
        options = {key[len(GSNN_PREFIX):]: value for key, value in sampled.items() if key.startswith(GSNN_PREFIX)}
        options = {key: (None if value == "off" and key == "region_threshold" else value) for key, value in options.items()}
        options = {key: tuple(value) if isinstance(value, list) else value for key, value in options.items()}
        return option_applies(name[len(GSNN_PREFIX):], gsnn_config(preset, options))
    if family == GSNN_FAMILY and name.startswith("model.") and name != "model.preset":
        return name in GSNN_STUDY_FIELDS and PRESETS[base_preset].family == GSNN_FAMILY
    return True


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
    preset = values.get("model", {}).get("preset", config.model.preset)
    if preset in PRESETS and PRESETS[preset].family != PRESETS[base.model.preset].family:
        config = with_preset_defaults(config, preset)
    return without_mpis_only_fields(config_from_dict(values, config))
