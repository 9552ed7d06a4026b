"""scikit-learn's bundled handwritten digits: 1,797 real 8x8 images, no download, for quick runs.

Pixels 0..16 are scaled to [0, 1] and normalised like MNIST, ``(x / 16 - 0.1307) / 0.3081``, shape
``(1, 8, 8)``. The train/test split is fixed (it does not depend on the trial seed) and class-balanced:
within each class, a permutation drawn with seed 0 sends the first ``round(0.2 n_c)`` images to test,
which gives 1,438 train and 359 test images (35 to 37 of each class in test).
"""

from __future__ import annotations

from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset

from mpis.config import DataConfig
from mpis.data.mnist_family import MNIST_MEAN, MNIST_STD
from mpis.data.splits import Splits

TEST_FRACTION = 0.2
SPLIT_SEED = 0


def digits_test_mask(labels: torch.Tensor) -> torch.Tensor:
    """Boolean mask of the fixed, class-balanced test split (``TEST_FRACTION`` of every class)."""
    generator = torch.Generator().manual_seed(SPLIT_SEED)
    mask = torch.zeros(len(labels), dtype=torch.bool)
    for label in range(int(labels.max()) + 1):
        members = (labels == label).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        mask[members[: round(TEST_FRACTION * len(members))]] = True
    return mask


def open_digits(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """The bundled digits as ``(1, 8, 8)`` float images and int64 labels; ``root`` is not used."""
    bunch = load_digits()
    images = torch.as_tensor(bunch.images, dtype=torch.float32).div(16).sub(MNIST_MEAN).div(MNIST_STD)
    images, labels = images.unsqueeze(1), torch.as_tensor(bunch.target, dtype=torch.long)
    test = digits_test_mask(labels)
    return Splits(TensorDataset(images[~test], labels[~test]), TensorDataset(images[test], labels[test]),
                  labels[~test].tolist(), labels[test].tolist())
