"""DataConfig.pad_to: static images padded to a larger square with a black border, checked from the
tables before any data is read."""

import pytest
import torch

from mpis.config import DataConfig
from mpis.data import build_dataloaders, describe_dataset
from mpis.data.padding import pad_images


def test_padded_digits_are_the_images_inside_a_black_border():
    plain, _, _ = build_dataloaders(DataConfig(dataset="digits", batch_size=1437), time_steps=1, seed=0)
    padded, _, info = build_dataloaders(DataConfig(dataset="digits", batch_size=1437, pad_to=12), time_steps=1, seed=0)
    images, labels = next(iter(plain))
    bigger, same_labels = next(iter(padded))
    assert info.input_shape == (1, 12, 12) and bigger.shape[1:] == (1, 12, 12)
    assert torch.equal(labels, same_labels) and torch.equal(bigger[:, :, 2:10, 2:10], images)
    black = (0 - 0.1307) / 0.3081  # a raw-0 pixel after the MNIST normalisation
    border = torch.cat([bigger[:, :, :2].flatten(), bigger[:, :, -2:].flatten(), bigger[:, :, :, :2].flatten()])
    assert torch.allclose(border, torch.full_like(border, black))


def test_odd_padding_puts_the_extra_row_below_and_right():
    out = pad_images(torch.ones(1, 2, 1, 1), 4, torch.tensor([0.0, -1.0]))
    assert out[0, 0].tolist() == [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert out[0, 1, 0, 0] == -1.0


@pytest.mark.parametrize("config, fragment", [(DataConfig(dataset="nmnist", pad_to=40), "None for nmnist"),
                                              (DataConfig(dataset="fashion_mnist", pad_to=20), ">= the image's (28"),
                                              (DataConfig(dataset="cifar10", pad_to=40), "for mnist, fashion_mnist")])
def test_padding_that_cannot_work_is_one_line_from_the_tables(config, fragment):
    with pytest.raises(ValueError, match="^pad_to=") as error:
        describe_dataset(config)
    assert fragment in str(error.value)


def test_an_unpadded_gsnn_fashion_mnist_run_is_told_to_pad():
    from mpis.config import ExperimentConfig
    from mpis.models import with_preset_defaults
    from mpis.training.compatibility import check_preset_fits_dataset

    model = with_preset_defaults(ExperimentConfig(), "gsnn_fmnist_cnn").model
    with pytest.raises(ValueError, match=r"gsnn_fmnist_cnn needs pad_to=32 \(--pad-to 32"):
        check_preset_fits_dataset(model, DataConfig(dataset="fashion_mnist"))
