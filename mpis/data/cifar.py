"""CIFAR-10 and CIFAR-100 through torchvision, with the papers' augmentation (ALGORITHMS.md §5.6).

train: RandomCrop(32, padding 4, zero fill), RandomHorizontalFlip(0.5), ToTensor, Normalize;
test: ToTensor, Normalize; mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010).
Augmentation draws from torch's RNG (the global one, or each DataLoader worker's seeded one).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mpis.config import DataConfig
from mpis.data.dataset_missing import DatasetMissing
from mpis.data.download import ensure_present
from mpis.data.splits import Splits

if TYPE_CHECKING:
    from torchvision import transforms

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)
_FILES = {  # torchvision's class (imported on use: a trial on other data never imports torchvision), folder, files
    "cifar10": ("CIFAR10", "cifar-10-batches-py",
                tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")),
    "cifar100": ("CIFAR100", "cifar-100-python", ("train", "test", "meta")),
}


def cifar_transforms(train: bool) -> transforms.Compose:
    """The papers' CIFAR preprocessing for the train (augmented) or test split."""
    from torchvision import transforms

    steps = [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip()] if train else []
    return transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize(CIFAR_MEAN, CIFAR_STD)])


def _open_cifar(name: str, root: Path, config: DataConfig) -> Splits:
    from torchvision import datasets

    class_name, folder_name, files = _FILES[name]
    dataset_class = getattr(datasets, class_name)
    folder = root / folder_name
    ensure_present(name, root, folder, ", ".join(files) + " (md5-checked by torchvision)",
                   lambda: all((folder / file).is_file() for file in files),
                   lambda: dataset_class(str(root), train=True, download=True), allowed=config.download)
    try:
        train, test = (dataset_class(str(root), train=split, download=False, transform=cifar_transforms(split))
                       for split in (True, False))
    except RuntimeError as error:  # torchvision: "Dataset not found or corrupted" (an md5 mismatch)
        raise DatasetMissing(name, folder, ", ".join(files), str(error)) from error
    return Splits(train, test, list(train.targets), list(test.targets))


def open_cifar10(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """torchvision ``CIFAR10`` under ``root/cifar-10-batches-py``; 50,000 / 10,000 images."""
    return _open_cifar("cifar10", root, config)


def open_cifar100(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """torchvision ``CIFAR100`` under ``root/cifar-100-python``; 50,000 / 10,000 images."""
    return _open_cifar("cifar100", root, config)
