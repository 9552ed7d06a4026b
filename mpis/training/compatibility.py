"""Does a model preset fit a dataset? Checked from the tables alone, before any data is read."""

from __future__ import annotations

import dataclasses

from mpis.config import DataConfig, ModelConfig
from mpis.data.dataset_info import PADDABLE, DatasetInfo, describe_dataset
from mpis.models import PRESETS, Preset
from mpis.registries import check_names


def preset_fits(preset: Preset, info: DatasetInfo) -> bool:
    return (tuple(preset.input_shape), preset.num_classes, preset.events) == \
        (tuple(info.input_shape), info.num_classes, info.events)


def check_preset_fits_dataset(model: ModelConfig, data: DataConfig) -> None:
    """Raise a one-line ``ValueError`` naming the preset, both shapes and the presets that would fit,
    or naming a model option the preset's family refuses (e.g. ``streams`` for an IDE network)."""
    check_names(model)
    check_names(data)
    preset, info = PRESETS[model.preset], describe_dataset(data)
    preset.check(model)
    if preset_fits(preset, info):
        return
    fitting = sorted(name for name, other in PRESETS.items() if preset_fits(other, info)) or ["none"]
    hint = ""
    flipped = dataclasses.replace(data, crop_nmnist=not data.crop_nmnist)
    if data.dataset == "nmnist" and preset_fits(preset, describe_dataset(flipped)):
        hint = (f"; {model.preset} needs crop_nmnist={flipped.crop_nmnist} (--crop-nmnist"
                f"{'' if flipped.crop_nmnist else ' off'}: MPIS N-MNIST presets take 32x32 crops)")
    padded = dataclasses.replace(data, pad_to=preset.input_shape[-1])
    if (data.dataset in PADDABLE and data.pad_to is None and padded.pad_to >= info.input_shape[-1]
            and preset_fits(preset, describe_dataset(padded))):
        hint = f"; {model.preset} needs pad_to={padded.pad_to} (--pad-to {padded.pad_to}: its windows need that side)"
    kind = "event frames" if info.events else "images"
    raise ValueError(
        f"preset={model.preset!r} is invalid for dataset={data.dataset!r} ({kind} {info.input_shape}, "
        f"{info.num_classes} classes; the preset takes {tuple(preset.input_shape)}, "
        f"{preset.num_classes} classes{', events' if preset.events else ''}); "
        f"allowed: {', '.join(fitting)}{hint}")
