"""Model presets by name: what each builds, which input it takes, and how many classes it has.

A preset fixes an architecture; ``ModelConfig`` supplies the neuron, the simulation, the backward
solver, the gradient mode (implicit or BPTT) and, for MPIS, optional stream overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from mpis.models import ide, mpis_presets, plain_cnn
from mpis.models.mpis_architecture import MPISArchitecture, apply_overrides
from mpis.models.mpis_network import build_mpis_model
from mpis.registries import check_names


@dataclass(frozen=True)
class Preset:
    build: Callable  # (ModelConfig) -> SpikingModel
    input_shape: tuple[int, ...]  # per sample (static) or per frame (events)
    num_classes: int
    events: bool = False  # True: input is (B, T, C, H, W), one frame per step
    family: str = "ide"  # "ide", "mpis" or "cnn" (plain feedforward BPTT baseline)
    check: Callable = ide.refuse_stream_overrides  # (ModelConfig) -> None: what build would refuse, cheaply


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


PRESETS: dict[str, Preset] = {
    **{name: _ide_preset(architecture) for name, architecture in ide.IDE_ARCHITECTURES.items()},
    **{name: _mpis_preset(architecture) for name, architecture in mpis_presets.MPIS_ARCHITECTURES.items()},
    "cnn_fmnist": _cnn_preset(plain_cnn.CNN_FMNIST),
    "cnn_nmnist": _cnn_preset(plain_cnn.CNN_NMNIST),
    "cnn_digits": _cnn_preset(plain_cnn.CNN_DIGITS),
}


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
