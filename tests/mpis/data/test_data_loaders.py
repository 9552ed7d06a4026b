"""Datasets through their libraries: real Fashion-MNIST / MNIST and digits, fake CIFAR pickles,
class-balanced seeded subsets, the data-root rules and the one-line missing-data error."""

import collections
import os
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from torchvision import datasets, transforms

from mpis.config import DataConfig
from mpis.data import (
    DATA_DIR_VARIABLE,
    DatasetMissing,
    build_dataloaders,
    resolve_data_root,
)
from mpis.data.balanced_subset import balanced_indices

SHARED_DATA = Path(os.environ.get(DATA_DIR_VARIABLE, Path(__file__).resolve().parents[4] / "shared" / "data"))


def test_fashion_mnist_matches_torchvision_totensor_normalize_and_has_the_paper_shape():
    train, test, info = build_dataloaders(DataConfig(dataset="fashion_mnist", data_dir=str(SHARED_DATA)),
                                          time_steps=5, seed=0)
    assert (len(train.dataset), len(test.dataset)) == (60000, 10000)
    assert (info.input_shape, info.num_classes, info.events) == ((1, 28, 28), 10, False)
    reference = datasets.FashionMNIST(str(SHARED_DATA), train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    for index in (0, 1234, 9999):
        image, label = test.dataset[index]
        expected_image, expected_label = reference[index]
        assert torch.equal(image, expected_image) and int(label) == expected_label


def test_limits_give_class_balanced_subsets_seeded_for_train_and_fixed_for_test():
    def subsets(seed):
        train, test, _ = build_dataloaders(DataConfig(dataset="mnist", data_dir=str(SHARED_DATA),
                                                      limit_train=1000, limit_test=205), time_steps=5, seed=seed)
        return train.dataset.indices, test.dataset.indices, train.dataset.dataset.tensors[1]

    train_a, test_a, labels = subsets(0)
    train_c, test_c, _ = subsets(1)
    assert train_a == balanced_indices(labels.tolist(), 1000, seed=0)  # seeded by the trial seed
    assert train_a != train_c
    assert test_a == test_c  # every trial is scored on the same test images
    counts = collections.Counter(labels[train_a].tolist())
    assert len(train_a) == 1000 and set(counts.values()) == {100}


def test_balanced_indices_spread_the_remainder_and_fill_in_for_a_small_class():
    labels = [0] * 50 + [1] * 50 + [2] * 3
    chosen = balanced_indices(labels, 31, seed=5)
    counts = collections.Counter(labels[i] for i in chosen)
    assert len(set(chosen)) == 31 and counts[2] == 3 and sorted([counts[0], counts[1]]) == [14, 14]
    assert sorted(collections.Counter(labels[i] for i in balanced_indices(labels, 8, seed=1)).values()) == [2, 3, 3]


def test_digits_split_is_fixed_class_balanced_and_scaled_like_mnist():
    train, test, info = build_dataloaders(DataConfig(dataset="digits", data_dir="/nonexistent"), time_steps=5, seed=3)
    again, _, _ = build_dataloaders(DataConfig(dataset="digits"), time_steps=5, seed=9)
    images, labels = train.dataset.tensors
    assert (len(train.dataset), len(test.dataset)) == (1438, 359) and info.input_shape == (1, 8, 8)
    assert torch.equal(images, again.dataset.tensors[0])  # the split does not depend on the seed
    assert set(collections.Counter(test.dataset.tensors[1].tolist()).values()) <= {35, 36, 37}
    assert images.min().item() == pytest.approx(-0.1307 / 0.3081) and images.max().item() == pytest.approx(0.8693 / 0.3081)
    assert next(iter(train))[0].shape == (128, 1, 8, 8) and labels.dtype == torch.int64


def test_data_root_prefers_the_argument_then_the_environment_then_data_and_is_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATA_DIR_VARIABLE, "from_env")
    assert resolve_data_root("given") == tmp_path / "given"
    assert resolve_data_root(None) == tmp_path / "from_env"
    monkeypatch.delenv(DATA_DIR_VARIABLE)
    assert resolve_data_root(None) == tmp_path / "data" and resolve_data_root(None).is_absolute()
    monkeypatch.setenv("TUNE_ORIG_WORKING_DIR", "/started/here")  # inside a Ray Tune trial
    assert resolve_data_root("../shared/data") == Path("/started/shared/data")
    assert resolve_data_root("/absolute/data") == Path("/absolute/data")


def test_missing_data_that_cannot_be_downloaded_is_one_line_naming_dataset_folder_and_files(tmp_path):
    with mock.patch("torchvision.datasets.FashionMNIST.download", side_effect=OSError("no network")):
        with pytest.raises(DatasetMissing) as caught:
            build_dataloaders(DataConfig(dataset="fashion_mnist", data_dir=str(tmp_path)), time_steps=5, seed=0)
    message = str(caught.value)
    assert "\n" not in message and "'fashion_mnist'" in message
    assert str(tmp_path / "FashionMNIST" / "raw") in message and "train-images-idx3-ubyte" in message
    assert "no network" in message and pickle.loads(pickle.dumps(caught.value)).dataset == "fashion_mnist"


def test_concurrent_trials_download_once_under_the_lock_and_then_use_the_files(tmp_path):
    calls = []

    def slow_fake_download(dataset):
        calls.append(dataset.root)
        time.sleep(0.5)  # long enough for the other trial to find the files missing and wait
        raw = Path(dataset.raw_folder)
        raw.mkdir(parents=True)
        for source in (SHARED_DATA / "MNIST" / "raw").glob("*-ubyte"):
            (raw / source.name).symlink_to(source)

    config = DataConfig(dataset="mnist", data_dir=str(tmp_path), limit_train=10, limit_test=10)
    with mock.patch("torchvision.datasets.MNIST.download", autospec=True, side_effect=slow_fake_download):
        with ThreadPoolExecutor(max_workers=2) as pool:
            trials = [pool.submit(build_dataloaders, config, time_steps=5, seed=seed) for seed in (0, 1)]
            sizes = [len(trial.result()[0].dataset) for trial in trials]
    assert len(calls) == 1 and sizes == [10, 10] and (tmp_path / ".mpis-mnist.lock").exists()


def _write_fake_cifar10(root: Path) -> None:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), "labels": [0, 1, 2, 3]}
        (folder / name).write_bytes(pickle.dumps(batch))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": [str(i) for i in range(10)]}))


def test_cifar10_loads_with_augmented_train_and_plain_test_images(tmp_path):
    _write_fake_cifar10(tmp_path)
    with mock.patch("torchvision.datasets.cifar.check_integrity", return_value=True):
        train, test, info = build_dataloaders(DataConfig(dataset="cifar10", data_dir=str(tmp_path)), time_steps=5, seed=0)
    assert (len(train.dataset), len(test.dataset), info.input_shape, info.num_classes) == (20, 4, (3, 32, 32), 10)
    torch.manual_seed(0)
    train_views = [train.dataset[0][0] for _ in range(6)]
    assert not all(torch.equal(train_views[0], view) for view in train_views[1:])  # crop and flip vary
    assert torch.equal(test.dataset[0][0], test.dataset[0][0])
    raw = torch.as_tensor(test.dataset.data[0]).permute(2, 0, 1).float() / 255
    mean, std = torch.tensor([0.4914, 0.4822, 0.4465]), torch.tensor([0.2023, 0.1994, 0.2010])
    assert torch.allclose(test.dataset[0][0], (raw - mean[:, None, None]) / std[:, None, None], atol=1e-6)


def test_corrupted_cifar_is_reported_as_missing(tmp_path):
    _write_fake_cifar10(tmp_path)  # torchvision's md5 check rejects these files
    with pytest.raises(DatasetMissing, match="cifar10.*cifar-10-batches-py.*data_batch_1"):
        build_dataloaders(DataConfig(dataset="cifar10", data_dir=str(tmp_path)), time_steps=5, seed=0)


def test_download_false_refuses_a_missing_dataset_without_trying_to_fetch_it(tmp_path):
    with mock.patch("torchvision.datasets.MNIST.download", side_effect=AssertionError("tried to download")):
        with pytest.raises(DatasetMissing, match=r"downloading is off \(download=False\)"):
            build_dataloaders(DataConfig(dataset="mnist", data_dir=str(tmp_path), download=False), time_steps=1, seed=0)
    assert not any(tmp_path.iterdir())  # not even a lock file
