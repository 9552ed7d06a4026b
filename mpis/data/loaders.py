"""``build_dataloaders``: the one way a trial gets its data.

1. Resolve the data root (``config.data_dir``, ``$MPIS_DATA_DIR``, ``./data``; absolute).
2. Open the dataset's train and test splits through its library (downloading under a lock if allowed).
3. Pad static images to ``pad_to`` x ``pad_to`` where asked (``mpis.data.padding``).
4. Take class-balanced subsets: the training subset is drawn with the trial ``seed``; the test subset
   with a fixed seed, so every trial of a study is scored on the same test images.
5. Wrap them in DataLoaders; the training loader shuffles with its own seeded generator, whose state
   a checkpoint saves (exact resume). A last training batch of a single sample is dropped (a
   BatchNorm over one value per channel, F400's or an MPIS head's at 1x1, cannot normalise it).
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from mpis.config import DataConfig
from mpis.data.balanced_subset import balanced_subset
from mpis.data.cifar import open_cifar10, open_cifar100
from mpis.data.data_root import resolve_data_root
from mpis.data.dataset_info import DatasetInfo, describe_dataset
from mpis.data.mnist_family import open_fashion_mnist, open_mnist
from mpis.data.padding import pad_split
from mpis.data.splits import Splits
from mpis.registries import lookup


def open_nmnist(root, config: DataConfig, time_steps: int) -> Splits:
    """N-MNIST through tonic, imported on use: the library needs no tonic until events are read."""
    from mpis.data.nmnist import open_nmnist as open_events

    return open_events(root, config, time_steps)


def open_digits(root, config: DataConfig, time_steps: int) -> Splits:
    """scikit-learn's digits, imported on use (scikit-learn is only needed for this dataset)."""
    from mpis.data.digits import open_digits as open_bundled

    return open_bundled(root, config, time_steps)


OPENERS = {
    "mnist": open_mnist,
    "fashion_mnist": open_fashion_mnist,
    "cifar10": open_cifar10,
    "cifar100": open_cifar100,
    "nmnist": open_nmnist,
    "digits": open_digits,
}
TEST_SUBSET_SEED = 0


def build_dataloaders(config: DataConfig, *, time_steps: int, seed: int
                      ) -> tuple[DataLoader, DataLoader, DatasetInfo]:
    """``(train_loader, test_loader, info)``; event batches are ``(B, time_steps, 2, H, W)``.

    Raises :class:`~mpis.data.DatasetMissing` when the data is neither on disk nor downloadable.
    """
    splits = lookup(OPENERS, config.dataset, "dataset")(resolve_data_root(config.data_dir), config, time_steps)
    if config.pad_to is not None:
        splits = Splits(pad_split(splits.train, config.pad_to), pad_split(splits.test, config.pad_to),
                        splits.train_labels, splits.test_labels)
    train = balanced_subset(splits.train, splits.train_labels, config.limit_train, seed)
    test = balanced_subset(splits.test, splits.test_labels, config.limit_test, TEST_SUBSET_SEED)
    train_loader = DataLoader(train, batch_size=config.batch_size, shuffle=True,
                              num_workers=config.num_workers, drop_last=len(train) % config.batch_size == 1,
                              generator=torch.Generator().manual_seed(seed))
    test_loader = DataLoader(test, batch_size=config.test_batch_size, shuffle=False,
                             num_workers=config.num_workers,
                             generator=torch.Generator().manual_seed(seed))
    return train_loader, test_loader, describe_dataset(config)
