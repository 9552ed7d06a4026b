"""Model presets by name: what each builds, which input it takes, and how many classes it has.

A preset fixes an architecture; ``ModelConfig`` supplies the neuron, the simulation, the backward
solver, the gradient mode (implicit or BPTT) and, for MPIS, optional stream overrides; for gsnn, its
options (``ModelConfig.gsnn``, see :mod:`mpis.models.gsnn_family`). A preset may carry ``defaults``:
config values its family needs where ``ExperimentConfig``'s defaults are another family's (gsnn:
BPTT, T = 1, V_th 0.5, decay 0.4, ...); :func:`with_preset_defaults` applies them, and the command
line and the studies do so before their own values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.models import gsnn_family, ide, mpis_presets, plain_cnn
from mpis.models.gsnn import GSNN_PRESETS
from mpis.models.mpis_architecture import MPISArchitecture, apply_overrides
from mpis.models.mpis_network import build_mpis_model
from mpis.registries import check_names


@dataclass(frozen=True)
class Preset:
    build: Callable  # (ModelConfig) -> SpikingModel
    input_shape: tuple[int, ...]  # per sample (static) or per frame (events)
    num_classes: int
    events: bool = False  # True: input is (B, T, C, H, W), one frame per step
    family: str = "ide"  # "ide", "mpis", "cnn" (plain feedforward BPTT baseline) or "gsnn"
    check: Callable = ide.refuse_stream_overrides  # (ModelConfig) -> None: what build would refuse, cheaply
    defaults: dict[str, Any] = field(default_factory=dict)  # dotted ExperimentConfig fields -> values


def _ide_preset(architecture: ide.IDEArchitecture) -> Preset:
    size = architecture.input_size
    return Preset(lambda c: ide.build_ide_model(c, architecture), (architecture.in_channels, size, size),
                  architecture.num_classes, events=architecture.events, family="ide")


def _mpis_preset(architecture: MPISArchitecture) -> Preset:
    return Preset(lambda c: build_mpis_model(c, architecture),
                  (architecture.in_channels, *architecture.input_size), architecture.num_classes,
                  events=architecture.events, family="mpis", check=lambda c: apply_overrides(architecture, c))


def _cnn_preset(architecture: plain_cnn.PlainCNNArchitecture) -> Preset:
    size = architecture.input_size
    return Preset(lambda c: plain_cnn.build_plain_cnn(c, architecture), (architecture.in_channels, size, size),
                  architecture.num_classes, events=architecture.events, family="cnn",
                  check=plain_cnn.refuse_unsupported)


def _gsnn_preset(name: str) -> Preset:
    network = GSNN_PRESETS[name]
    return Preset(gsnn_family.build_gsnn_model, (network.in_channels, network.input_size, network.input_size),
                  network.num_classes, family="gsnn", check=gsnn_family.network_config,
                  defaults=gsnn_family.family_defaults(name))


PRESETS: dict[str, Preset] = {
    **{name: _ide_preset(architecture) for name, architecture in ide.IDE_ARCHITECTURES.items()},
    **{name: _mpis_preset(architecture) for name, architecture in mpis_presets.MPIS_ARCHITECTURES.items()},
    "cnn_fmnist": _cnn_preset(plain_cnn.CNN_FMNIST),
    "cnn_nmnist": _cnn_preset(plain_cnn.CNN_NMNIST),
    "cnn_digits": _cnn_preset(plain_cnn.CNN_DIGITS),
    **{name: _gsnn_preset(name) for name in GSNN_PRESETS},
}


def with_preset_defaults(config: ExperimentConfig, preset: str | None = None) -> ExperimentConfig:
    """``config`` with ``model.preset = preset`` (default: its own) and that preset's ``defaults``.

    Example:
        >>> with_preset_defaults(ExperimentConfig(), "gsnn_fmnist_cnn").data.pad_to
        32
    """
    preset = config.model.preset if preset is None else preset
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, preset=preset))
    return config_from_dict(PRESETS[preset].defaults, config) if preset in PRESETS else config


def build_model(config) -> nn.Module:
    """Build the preset named by ``config.preset``; every name in ``config`` is checked first
    (``mpis.registries.check_names``). The model refuses inputs of any other shape than the preset's."""
    check_names(config)
    preset = PRESETS[config.preset]
    model = preset.build(config)
    model.input_shape = tuple(preset.input_shape)
    return model


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters (raw weights and spectral scales; no frozen copies exist here)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
