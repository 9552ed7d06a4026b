r"""N-MNIST through tonic, as spike frames of 3 ms bins (ALGORITHMS.md §5.6, pitfall 11).

Each recording (events x, y < 34, 2 polarities, t in µs, about 300 ms) becomes T binary frames:

.. math::
    \text{frame}[k, p, y, x] = \mathbb{1}\big[\exists\ \text{event } (x, y, t, p):\ 3000k \le t < 3000(k+1)\big],
    \quad k = 0..T-1

built with ``tonic.transforms.ToFrame(time_window=3000, start_time=0, end_time=3000 T)``. This is
the TSSL-BP binning "bin b = ceil(t / 3000) -> index b - 1" with every event at or after ``3 T`` ms
dropped and several events in one bin collapsed to one spike (only events exactly on a 3 ms boundary
land one bin later). The released loader's always-empty last frame is not reproduced: all T frames
carry events. No normalisation, no augmentation. ``crop_nmnist`` keeps rows and columns 1..32 (MPIS).

A partial local copy (some ``.bin`` files under ``NMNIST/Train`` and ``NMNIST/Test``) is accepted:
tonic's own check wants ``train.zip`` and 10,000 files; the subclass below asks for one file.
"""

from __future__ import annotations

from pathlib import Path

import tonic
import torch

from mpis.config import DataConfig
from mpis.data.dataset_info import NMNIST_CROPPED_SIZE
from mpis.data.download import ensure_present
from mpis.data.splits import Splits

BIN_US = 3000  # the papers' 3 ms time window


class NMNIST(tonic.datasets.NMNIST):
    """tonic's NMNIST that opens any local copy with at least one ``.bin`` per split.

    The class must be named ``NMNIST``: tonic uses the class name as the folder name.
    """

    def _check_exists(self) -> bool:
        return split_has_recordings(Path(self.location_on_system) / self.folder_name)


def split_has_recordings(folder: Path) -> bool:
    return folder.is_dir() and next(folder.rglob("*.bin"), None) is not None


class SpikeFrames:
    """Events -> float ``(T, 2, 34, 34)`` (or ``(T, 2, 32, 32)``) frames of 0/1, 3 ms per frame."""

    def __init__(self, time_steps: int, crop: bool):
        self.crop = crop
        self.to_frame = tonic.transforms.ToFrame(sensor_size=NMNIST.sensor_size, time_window=BIN_US,
                                                 start_time=0, end_time=BIN_US * time_steps)

    def __call__(self, events) -> torch.Tensor:
        frames = torch.from_numpy(self.to_frame(events) > 0).float()
        if self.crop:
            frames = frames[..., 1:1 + NMNIST_CROPPED_SIZE, 1:1 + NMNIST_CROPPED_SIZE]
        return frames


def _download_original(root: Path) -> None:
    for train in (True, False):
        tonic.datasets.NMNIST(str(root), train=train)  # the original class downloads and unpacks


def open_nmnist(root: Path, config: DataConfig, time_steps: int) -> Splits:
    """Train and test splits of ``root/NMNIST/{Train,Test}/<label>/*.bin`` as spike frames."""
    folder = root / "NMNIST"
    ensure_present("nmnist", root, folder, "Train/<label>/*.bin and Test/<label>/*.bin "
                   "(N-MNIST's 5-byte event files; any subset is accepted)",
                   lambda: all(split_has_recordings(folder / split) for split in ("Train", "Test")),
                   lambda: _download_original(root), allowed=config.download)
    frames = SpikeFrames(time_steps, config.crop_nmnist)
    train, test = (NMNIST(str(root), train=split, transform=frames) for split in (True, False))
    return Splits(train, test, list(train.targets), list(test.targets))
