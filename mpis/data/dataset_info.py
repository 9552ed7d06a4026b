"""What a dataset feeds a model, known without loading it: sample shape, classes, static or events.

The preset/dataset fit check (``mpis.training.compatibility``) runs on this table before any data
is read, so a mismatched trial fails in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpis.config import DataConfig, require


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    input_shape: tuple[int, ...]  # per sample (static) or per frame (events: C, H, W)
    num_classes: int
    events: bool  # True: batches are (B, T, C, H, W) spike frames, one per simulation step


_STATIC = {
    "mnist": ((1, 28, 28), 10),
    "fashion_mnist": ((1, 28, 28), 10),
    "cifar10": ((3, 32, 32), 10),
    "cifar100": ((3, 32, 32), 100),
    "digits": ((1, 8, 8), 10),
}
PADDABLE = ("mnist", "fashion_mnist", "digits")  # held as tensors (mpis.data.padding)
NMNIST_SIZE = 34  # sensor width and height
NMNIST_CROPPED_SIZE = 32  # MPIS keeps indices 1..32 of both spatial axes


def describe_dataset(config: DataConfig) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``config.dataset`` (N-MNIST: 34x34, or 32x32 with ``crop_nmnist``;
    static images: ``pad_to`` x ``pad_to`` when padded)."""
    if config.dataset == "nmnist":
        require(config.pad_to is None, "pad_to", config.pad_to, "None for nmnist (event frames; see crop_nmnist)")
        size = NMNIST_CROPPED_SIZE if config.crop_nmnist else NMNIST_SIZE
        return DatasetInfo("nmnist", (2, size, size), 10, events=True)
    shape, classes = _STATIC[config.dataset]
    if config.pad_to is not None:
        require(config.dataset in PADDABLE and config.pad_to >= max(shape[1:]), "pad_to", config.pad_to,
                f"None, or for {', '.join(PADDABLE)} a side >= the image's ({max(shape[1:])} for {config.dataset})")
        shape = (shape[0], config.pad_to, config.pad_to)
    return DatasetInfo(config.dataset, shape, classes, events=False)
