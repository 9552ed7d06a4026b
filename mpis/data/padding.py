"""Zero padding of static images to a larger square (``DataConfig.pad_to``), e.g. Fashion-MNIST's
28x28 to the 32x32 the gsnn presets take (their window partitions need a side divisible by 4 after
the patch stem).

An image ``(C, H, W)`` gets ``(S - H) // 2`` rows on top and the rest below (the same for columns).
The padded pixels take the value a black (raw 0) pixel has after normalisation, so padding the
normalised image equals padding the raw one with zeros: ``fill = (0 - mean) / std`` per channel,
read as the per-channel minimum of the split (every MNIST-family split has black pixels).
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset, TensorDataset


def pad_amounts(size: int, side: int) -> tuple[int, int]:
    """``(before, after)`` rows (or columns) that take ``size`` to ``side``."""
    before = (side - size) // 2
    return before, side - size - before


def pad_images(images: torch.Tensor, side: int, fill: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, C, side, side)``; ``fill`` holds one value per channel.

    Example:
        >>> pad_images(torch.ones(1, 1, 2, 2), 4, torch.tensor([0.0]))[0, 0].tolist()
        [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    top, _ = pad_amounts(images.shape[-2], side)
    left, _ = pad_amounts(images.shape[-1], side)
    padded = fill.to(images.dtype).view(1, -1, 1, 1).repeat(images.shape[0], 1, side, side)
    padded[:, :, top:top + images.shape[-2], left:left + images.shape[-1]] = images
    return padded


def pad_split(dataset: Dataset, side: int) -> TensorDataset:
    """A ``TensorDataset`` of (images, labels) with the images padded to ``side`` x ``side``."""
    if not isinstance(dataset, TensorDataset):
        raise ValueError(f"pad_to={side} is invalid for this dataset; allowed: None (only datasets held "
                         f"as tensors, the MNIST family and digits, can be padded)")
    images, labels = dataset.tensors
    fill = images.transpose(0, 1).flatten(1).min(dim=1).values
    return TensorDataset(pad_images(images, side, fill), labels)
