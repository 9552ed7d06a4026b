"""A tiny CIFAR-10 in the real pickle layout, for testing the CIFAR studies offline.

CIFAR cannot be downloaded here, and torchvision md5-checks every CIFAR file against the real
archive (ECOSYSTEM.md §5), so small files of the right layout are only accepted with that check
relaxed. :func:`accept_fake_cifar` is installed as Ray's ``worker_process_setup_hook`` by the test
session (``conftest.py``): in every Ray worker it lets ``check_integrity`` pass for files inside a
folder marked with ``MARKER``, and checks everything else as before. The images are random; the
studies' wiring (space, presets, Ray, Optuna, ASHA, checkpoints) is what these tests exercise.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

MARKER = "FAKE_CIFAR_FOR_TESTS"
FOLDER = "cifar-10-batches-py"
LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _write_batch(path: Path, images: np.ndarray, labels: list[int], name: str) -> None:
    batch = {"batch_label": name, "labels": labels, "data": images,  # str keys, as torchvision reads
             "filenames": [f"{name}_{i}.png" for i in range(len(labels))]}
    with open(path, "wb") as file:
        pickle.dump(batch, file, protocol=2)


def write_fake_cifar10(root: Path, per_class_per_batch: int = 2, seed: int = 0) -> Path:
    """Write ``root/cifar-10-batches-py`` (5 train batches, test batch, meta) and the marker."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    count = 10 * per_class_per_batch
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        images = rng.integers(0, 256, size=(count, 3072), dtype=np.uint8)
        _write_batch(folder / name, images, [i % 10 for i in range(count)], name)
    with open(folder / "batches.meta", "wb") as file:
        pickle.dump({"label_names": LABEL_NAMES, "num_cases_per_batch": count, "num_vis": 3072},
                    file, protocol=2)
    (Path(root) / MARKER).write_text("tiny random CIFAR-10 for tests\n")
    return Path(root)


def accept_fake_cifar() -> None:
    """Ray worker setup hook: torchvision's CIFAR md5 check passes inside marked folders only."""
    import torchvision.datasets.cifar as cifar

    original = cifar.check_integrity

    def check_integrity(path, md5=None):
        file = Path(path)
        if (file.parent.parent / MARKER).is_file():
            return file.is_file()
        return original(path, md5)

    cifar.check_integrity = check_integrity
