"""Class-balanced, seeded subsets for quick studies (``limit_train`` / ``limit_test``)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset, Subset


def balanced_indices(labels: Sequence[int], limit: int, seed: int) -> list[int]:
    """``limit`` indices drawn round-robin over the classes, in a random order fixed by ``seed``.

    Every class contributes ``floor(limit / C)`` or ``ceil(limit / C)`` samples (a class that runs
    out is skipped and the others fill in). The result is sorted, so it reads like the dataset.
    """
    labels = torch.as_tensor(list(labels))
    if limit >= len(labels):
        return list(range(len(labels)))
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    shuffled = labels[order]
    grouped, where = torch.sort(shuffled, stable=True)  # classes together, shuffled order kept inside
    rank_in_class = torch.empty_like(order)
    rank_in_class[where] = torch.arange(len(labels)) - torch.searchsorted(grouped, grouped)
    round_robin = rank_in_class * len(labels) + torch.arange(len(labels))
    chosen = order[round_robin.argsort()[:limit]]
    return sorted(chosen.tolist())


def balanced_subset(dataset: Dataset, labels: Sequence[int], limit: int | None, seed: int) -> Dataset:
    """``dataset`` itself when ``limit`` is ``None``, else a :class:`Subset` of ``balanced_indices``."""
    if limit is None:
        return dataset
    return Subset(dataset, balanced_indices(labels, limit, seed))
