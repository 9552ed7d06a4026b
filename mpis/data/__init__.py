"""Datasets through their libraries (torchvision, tonic, scikit-learn), preprocessed as the papers do.

>>> from mpis.config import DataConfig
>>> train, test, info = build_dataloaders(DataConfig(dataset="digits", limit_train=100), time_steps=5, seed=0)
>>> info.input_shape, len(train.dataset)
((1, 8, 8), 100)
"""

from mpis.data.data_root import DATA_DIR_VARIABLE, resolve_data_root
from mpis.data.dataset_info import DatasetInfo, describe_dataset
from mpis.data.dataset_missing import DatasetMissing
from mpis.data.loaders import build_dataloaders

__all__ = ["build_dataloaders", "DatasetInfo", "DatasetMissing", "describe_dataset",
           "resolve_data_root", "DATA_DIR_VARIABLE"]
