"""MNIST and Fashion-MNIST through torchvision, preprocessed as both papers do (ALGORITHMS.md §5.6).

Each image becomes ``(x / 255 - 0.1307) / 0.3081`` of shape ``(1, 28, 28)``: ToTensor, then
Normalize with the MNIST statistics, which the IDE scripts use for Fashion-MNIST too. There is no
augmentation, so the whole split is converted once into a tensor dataset (the same numbers
``ToTensor()`` + ``Normalize()`` give per image, without per-image PIL work in every epoch).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import TensorDataset

from mpis.config import DataConfig
from mpis.data.download import ensure_present
from mpis.data.splits import Splits

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def normalised_images(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, 28, 28)`` -> float ``(N, 1, 28, 28)``, ToTensor + Normalize(0.1307, 0.3081)."""
    return images.float().div(255).sub(MNIST_MEAN).div(MNIST_STD).unsqueeze(1)


def _open_idx_dataset(dataset_class, name: str, root: Path, config: DataConfig) -> Splits:
    raw = root / dataset_class.__name__ / "raw"
    ensure_present(name, root, raw, ", ".join(IDX_FILES) + " (or their .gz archives to unpack)",
                   lambda: all((raw / file).is_file() for file in IDX_FILES),
                   lambda: dataset_class(str(root), train=True, download=True), allowed=config.download)
    splits = [dataset_class(str(root), train=train, download=False) for train in (True, False)]
    train, test = (TensorDataset(normalised_images(s.data), s.targets.long()) for s in splits)
    return Splits(train, test, splits[0].targets.tolist(), splits[1].targets.tolist())


def open_mnist(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """torchvision ``MNIST`` under ``root/MNIST/raw``; 60,000 train and 10,000 test images."""
    from torchvision import datasets  # here: the digits import this module's constants, not torchvision

    return _open_idx_dataset(datasets.MNIST, "mnist", root, config)


def open_fashion_mnist(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """torchvision ``FashionMNIST`` under ``root/FashionMNIST/raw``; 60,000 / 10,000 images."""
    from torchvision import datasets

    return _open_idx_dataset(datasets.FashionMNIST, "fashion_mnist", root, config)
