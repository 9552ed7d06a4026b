"""Named gsnn configurations: the released CIFAR models and CPU-sized ones for quick studies.

Release models (``SNN/models`` at commit 31c9a7c of iverss1/ACML_SNN, ``sequencer2d_s``: patch 2,
depths 2-2-6-2, dims 48-96-192-384, MLP ratio 3, T = 1, decay 0.4, V_th 0.5, Bernoulli encoder):

* ``gsnn_cifar10_cnn``: ``layers_ecml_cnn_10.py``: CNN cell, nested sin fusion (theta 0.5), no
  region threshold;
* ``gsnn_cifar10_lstm``: ``layers_ecml_lstm_10.py``: bidirectional LSTM cell, nested fusion, the
  membrane map carried across blocks, no region threshold;
* ``gsnn_cifar100_cnn``: ``layers_ecml_cnn_100.py``: CNN cell, mean fusion, region threshold 0.2
  (values below kept);
* ``gsnn_cifar100_lstm``: the CIFAR-10 LSTM model with 100 classes (the release has no CIFAR-100
  LSTM window model; ``layers_ecml.py`` is a whole-map ablation).

CPU-sized (3 stages, 2 blocks each, both window kinds exercised):

* ``gsnn_fmnist_*``: Fashion-MNIST padded to 1x32x32, patch 4 (maps 8, 4, 2), dims 16-32-64;
* ``gsnn_digits_*``: the 8x8 digits, 1 channel, patch 1 (maps 8, 4, 2), dims 16-32-64.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

from mpis.config import require_choice
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.net import GSNNNet

_CIFAR100_CNN = dict(num_classes=100, fusion_mode="mean", region_threshold=0.2, region_fill="keep")
_FMNIST = dict(in_channels=1, input_size=32, num_classes=10, patch_size=4, dims=(16, 32, 64), depths=(2, 2, 2))
_DIGITS = dict(in_channels=1, input_size=8, num_classes=10, patch_size=1, dims=(16, 32, 64), depths=(2, 2, 2))

GSNN_PRESETS: dict[str, GSNNConfig] = {
    "gsnn_cifar10_cnn": GSNNConfig(cell="cnn"),
    "gsnn_cifar10_lstm": GSNNConfig(cell="lstm"),
    "gsnn_cifar100_cnn": GSNNConfig(cell="cnn", **_CIFAR100_CNN),
    "gsnn_cifar100_lstm": GSNNConfig(cell="lstm", num_classes=100),
    "gsnn_fmnist_cnn": GSNNConfig(cell="cnn", **_FMNIST),
    "gsnn_fmnist_lstm": GSNNConfig(cell="lstm", **_FMNIST),
    "gsnn_digits_cnn": GSNNConfig(cell="cnn", **_DIGITS),
    "gsnn_digits_lstm": GSNNConfig(cell="lstm", **_DIGITS),
}

_TUPLE_FIELDS = ("dims", "depths")


def gsnn_config(name: str, overrides: Mapping[str, object] | None = None) -> GSNNConfig:
    """The preset ``name`` with ``overrides`` (field -> value) applied and validated.

    Unknown fields raise ``ValueError``; lists for ``dims`` / ``depths`` are turned into tuples.

    Example:
        >>> gsnn_config("gsnn_digits_cnn", {"fusion_mode": "product", "time_steps": 2}).time_steps
        2
    """
    require_choice(name, "gsnn preset", GSNN_PRESETS)
    overrides = dict(overrides or {})
    fields = {f.name for f in dataclasses.fields(GSNNConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"override(s) {', '.join(unknown)} are invalid; allowed: fields of GSNNConfig "
                         f"({', '.join(sorted(fields))})")
    for key in _TUPLE_FIELDS:
        if isinstance(overrides.get(key), list):
            overrides[key] = tuple(overrides[key])
    return dataclasses.replace(GSNN_PRESETS[name], **overrides)


def build_gsnn(name: str, overrides: Mapping[str, object] | None = None) -> GSNNNet:
    """Build the network of preset ``name`` (with ``overrides``), release-initialised."""
    return GSNNNet(gsnn_config(name, overrides))
