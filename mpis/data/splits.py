"""A dataset's train and test splits with their labels (the labels drive class-balanced subsets)."""

from __future__ import annotations

from typing import NamedTuple, Sequence

from torch.utils.data import Dataset


class Splits(NamedTuple):
    train: Dataset
    test: Dataset
    train_labels: Sequence[int]
    test_labels: Sequence[int]
