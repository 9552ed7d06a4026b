"""The batch the convergence figure simulates: real test samples of the trial's dataset when they are
on disk, else a seeded random stand-in, and a few words saying which (for the figure's legend).

The test samples are the first ``batch_size`` of the class-balanced test subset
``mpis.data.build_dataloaders`` gives with ``limit_test=batch_size`` (the fixed test-subset seed, so
every trial of a study is probed on the same images). The data root is the study's
(``mpis_study.json`` ``data_dir``), else the trial's ``data.data_dir``, else ``$MPIS_DATA_DIR`` or
``./data``. Analysis never downloads: a dataset missing there falls back to random inputs.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from torch import Tensor

from analysis.convergence import random_batch
from mpis.config import DataConfig
from mpis.data import DatasetMissing, build_dataloaders, describe_dataset
from mpis.models import PRESETS
from mpis.registries import check_names


class TracedInputs(NamedTuple):
    batch: Tensor
    source: str  # e.g. "4 fashion_mnist test samples" or "seeded random inputs (fashion_mnist not on disk)"


def random_inputs(preset: str, time_steps: int, batch_size: int, seed: int, why: str) -> TracedInputs:
    return TracedInputs(random_batch(preset, time_steps, batch_size, seed), f"seeded random inputs ({why})")


def real_or_random_inputs(preset: str, data: DataConfig | None, *, time_steps: int, batch_size: int,
                seed: int = 0) -> TracedInputs:
    """``batch_size`` test samples of ``data.dataset`` for ``preset``, else random inputs (``data``
    None: the trial recorded no dataset)."""
    if data is None:
        return random_inputs(preset, time_steps, batch_size, seed, "the trial records no dataset")
    spec, info = PRESETS[preset], describe_dataset(data)
    if tuple(spec.input_shape) != tuple(info.input_shape) or spec.events != info.events:
        return random_inputs(preset, time_steps, batch_size, seed, f"{data.dataset} does not fit {preset}")
    small = dataclasses.replace(data, batch_size=2, limit_train=2, limit_test=batch_size,
                                test_batch_size=batch_size, num_workers=0, download=False)  # disk only
    try:
        _, test_loader, _ = build_dataloaders(small, time_steps=time_steps, seed=seed)
        images, _ = next(iter(test_loader))
    except DatasetMissing:
        return random_inputs(preset, time_steps, batch_size, seed, f"{data.dataset} not on disk")
    except (OSError, RuntimeError, ValueError) as error:  # e.g. a corrupt file: say so, draw the figure anyway
        return random_inputs(preset, time_steps, batch_size, seed,
                             f"{data.dataset} could not be read: {type(error).__name__}")
    return TracedInputs(images, f"{len(images)} {data.dataset} test samples")


def trial_data_config(trial, study_info: dict) -> DataConfig | None:
    """The ``DataConfig`` of a trial row (its ``data.*`` columns; the study's ``data_dir`` first), or
    None when the trial records no ``data.dataset`` or an invalid one."""
    dataset = trial.get("data.dataset")
    if not isinstance(dataset, str):
        return None
    data_dir = study_info.get("data_dir") or trial.get("data.data_dir")
    crop = trial.get("data.crop_nmnist")
    try:
        config = DataConfig(dataset=dataset, data_dir=data_dir if isinstance(data_dir, str) else None,
                            crop_nmnist=crop in (True, 1))
        check_names(config)  # a dataset name mpis.data knows
        return config
    except ValueError:
        return None
