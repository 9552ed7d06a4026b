"""Datasets through their libraries (torchvision, tonic, scikit-learn), preprocessed as the papers do.

>>> from mpis.config import DataConfig
>>> from mpis.data import build_dataloaders
>>> train, test, info = build_dataloaders(DataConfig(dataset="digits", limit_train=100), time_steps=5, seed=0)
>>> info.input_shape, len(train.dataset)
((1, 8, 8), 100)
"""

from __future__ import annotations

import importlib

from mpis.data.data_root import DATA_DIR_VARIABLE, resolve_data_root  # light: no torch

# loaded on first use, so that the data root can be resolved without importing torch (e.g. --help)
_EXPORTS = {"build_dataloaders": "mpis.data.loaders", "DatasetInfo": "mpis.data.dataset_info",
            "describe_dataset": "mpis.data.dataset_info", "DatasetMissing": "mpis.data.dataset_missing"}

__all__ = [*_EXPORTS, "resolve_data_root", "DATA_DIR_VARIABLE"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # also over a submodule of the same name (mpis.training.fit)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
