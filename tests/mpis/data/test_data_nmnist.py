"""N-MNIST through tonic: the real subset in ../shared/data becomes 3 ms spike frames of the right
shape and content, partial copies load, and one IDE and one MPIS training epoch run on it."""

import math
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import tonic
import torch

from mpis import metric_names as names
from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    SimulationConfig,
    TrainConfig,
)
from mpis.data import DATA_DIR_VARIABLE, DatasetMissing, build_dataloaders
from mpis.models import PRESETS
from mpis.training import fit

SHARED_DATA = Path(os.environ.get(DATA_DIR_VARIABLE, Path(__file__).resolve().parents[4] / "shared" / "data"))


def expected_frames(path: str, time_steps: int) -> torch.Tensor:
    """Independent reference: frame[t // 3000, p, y, x] = 1 for every event with t < 3000 T."""
    events = tonic.io.read_mnist_file(path, dtype=tonic.datasets.NMNIST.dtype)
    frames = np.zeros((time_steps, 2, 34, 34), dtype=np.float32)
    kept = events[events["t"] < 3000 * time_steps]
    frames[kept["t"] // 3000, kept["p"], kept["y"], kept["x"]] = 1.0
    return torch.from_numpy(frames)


def test_the_subset_loads_through_tonic_as_binary_3ms_frames():
    train, test, info = build_dataloaders(DataConfig(dataset="nmnist", data_dir=str(SHARED_DATA), batch_size=16),
                                          time_steps=10, seed=0)
    assert isinstance(train.dataset, tonic.datasets.NMNIST) and type(train.dataset).__name__ == "NMNIST"
    assert (len(train.dataset), len(test.dataset)) == (1000, 100)
    assert (info.input_shape, info.num_classes, info.events) == ((2, 34, 34), 10, True)
    frames, labels = next(iter(train))
    assert frames.shape == (16, 10, 2, 34, 34) and frames.dtype == torch.float32
    assert set(frames.unique().tolist()) <= {0.0, 1.0} and labels.dtype == torch.int64
    for index in (0, 517, 999):
        sample, label = train.dataset[index]
        assert torch.equal(sample, expected_frames(train.dataset.data[index], 10))
        assert label == int(Path(train.dataset.data[index]).parent.name)
    assert (frames.sum(dim=(0, 2, 3, 4)) > 0).all()  # every frame carries events, the last one too


def test_crop_keeps_rows_and_columns_1_to_32():
    def first_sample(crop):
        _, test, info = build_dataloaders(DataConfig(dataset="nmnist", data_dir=str(SHARED_DATA), crop_nmnist=crop),
                                          time_steps=3, seed=0)
        return test.dataset[0][0], info

    full, _ = first_sample(False)
    cropped, info = first_sample(True)
    assert info.input_shape == (2, 32, 32) and cropped.shape == (3, 2, 32, 32)
    assert torch.equal(cropped, full[..., 1:33, 1:33])


def test_a_partial_copy_with_a_few_files_per_split_is_accepted(tmp_path):
    for split, count in (("Train", 3), ("Test", 2)):
        for source in sorted((SHARED_DATA / "NMNIST" / split / "4").glob("*.bin"))[:count]:
            target = tmp_path / "NMNIST" / split / "4" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    train, test, _ = build_dataloaders(DataConfig(dataset="nmnist", data_dir=str(tmp_path)), time_steps=2, seed=0)
    assert (len(train.dataset), len(test.dataset)) == (3, 2) and train.dataset.targets == [4, 4, 4]


def test_missing_nmnist_that_cannot_be_downloaded_names_the_layout(tmp_path):
    with mock.patch.object(tonic.datasets.NMNIST, "download", side_effect=OSError("offline")):
        with pytest.raises(DatasetMissing) as caught:
            build_dataloaders(DataConfig(dataset="nmnist", data_dir=str(tmp_path)), time_steps=2, seed=0)
    message = str(caught.value)
    assert "'nmnist'" in message and str(tmp_path / "NMNIST") in message and "Train/<label>/*.bin" in message


def _event_trial(preset: str, crop: bool) -> ExperimentConfig:
    return ExperimentConfig(
        model=ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=4)),
        data=DataConfig(dataset="nmnist", data_dir=str(SHARED_DATA), crop_nmnist=crop, batch_size=8,
                        limit_train=16, limit_test=10),
        train=TrainConfig(epochs=1), seed=0)


@pytest.mark.parametrize("preset,crop", [("ide_nmnist_f64c5", False), ("mpis_nmnist", True)])
def test_one_ide_and_one_mpis_training_epoch_run_on_nmnist(preset, crop):
    assert preset in PRESETS
    seen = []
    summary = fit(_event_trial(preset, crop), lambda metrics, directory: seen.append(metrics))
    metrics = summary.final_metrics
    assert len(seen) == 1 and metrics[names.EPOCH] == 1
    assert math.isfinite(metrics[names.TRAIN_LOSS]) and 0 <= metrics[names.TEST_ACCURACY] <= 100
    assert metrics[names.BACKWARD_STEPS] >= 1 and metrics[names.FORWARD_STEPS] == 4
    if preset == "ide_nmnist_f64c5":  # ALGORITHMS.md §2.4: 2*34*34 + 64*17*17 + 10 = 20,818 (21K)
        assert (metrics[names.NEURONS], metrics[names.PARAMETERS]) == (20818, 290763)
    else:
        assert metrics[names.NEURONS] > 2 * 32 * 32 + 10
