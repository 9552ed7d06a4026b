"""IDE networks exactly as coded in IDE-FSNN (ALGORITHMS.md §2.4), IF or LIF by ``config.neuron``.

| preset family          | input module (-> layer 1)       | feedforward layers        | feedback (spectral-normed) |
|------------------------|---------------------------------|---------------------------|----------------------------|
| 64C5s (F64C5), MNIST   | Conv(1->64,k5,s2,p2)+BN         | none                      | Conv(64->64,k5,p2)         |
| 64C5s (F64C5), N-MNIST | Conv(2->64,k5,s2,p2)+BN (17x17) | none                      | Conv(64->64,k5,p2)         |
| 400 (F400), F-MNIST    | Linear(784->400)+BN1d           | none                      | Linear(400->400)           |
| AlexNet-F, CIFAR       | Conv(3->96,s2)+BN               | 256, 384(s2), 384, 256    | ConvT(256->96, x2 up)      |
| CIFARNet-F, CIFAR      | Conv(3->128,s2)+BN              | 256, 512(s2), 1024, 512   | ConvT(512->128, x2 up)     |

Every synaptic module has variational dropout; feedback modules have no bias and no BN. N-MNIST
uses padding 2 (17x17, the paper's 291K parameters; the released code's padding 1 gives 270K).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from mpis.config import ModelConfig, require
from mpis.models.readout import LinearReadout
from mpis.models.spiking_model import SpikingModel
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream
from mpis.snn.synaptic_module import SynapticModule


def refuse_stream_overrides(config: ModelConfig) -> None:
    """IDE networks have one fixed stream: ``streams``, ``depth`` and ``widths`` are MPIS options."""
    for name in ("streams", "depth", "widths"):
        value = getattr(config, name)
        require(value is None, name, value, f"None for preset {config.preset!r} (an IDE network, not MPIS)")


def _synapse(op: nn.Module, config: ModelConfig, *, batch_norm: bool = True, feedback: bool = False):
    return SynapticModule(op, batch_norm=batch_norm and not feedback, dropout=config.dropout,
                          spectral_bound=config.spectral_bound if feedback else None)


@dataclass(frozen=True, kw_only=True)
class IDEArchitecture:
    """Everything about an IDE network that is not in ``ModelConfig`` (cf. ``MPISArchitecture``)."""

    kind: str  # "f64c5" (64C5s: one conv layer), "f400" (one linear layer), "multilayer" (AlexNet-F, CIFARNet-F)
    in_channels: int  # channels of an input image or event frame
    input_size: int  # H = W of the input
    num_classes: int
    events: bool = False  # input is (B, T, C, H, W) event frames, one frame per step
    channels: tuple[int, ...] = ()  # multilayer: the widths of the 5 spiking conv layers
    strides: tuple[int, ...] = ()  # multilayer: their strides (one x2 downsampling after layer 1)

    def __post_init__(self):
        require(self.kind in ("f64c5", "f400", "multilayer"), "kind", self.kind, "f64c5, f400 or multilayer")
        if self.kind == "multilayer":
            require(len(self.channels) == len(self.strides) >= 2, "channels/strides", (self.channels, self.strides),
                    "one stride per spiking layer")


def build_ide_model(config: ModelConfig, architecture: IDEArchitecture) -> SpikingModel:
    """The IDE network of ``architecture`` with ``config``'s neuron, dropout and spectral bound."""
    refuse_stream_overrides(config)
    builders = {"f64c5": _f64c5, "f400": _f400, "multilayer": _multilayer}
    return builders[architecture.kind](config, architecture)


def _f64c5(config: ModelConfig, architecture: IDEArchitecture) -> SpikingModel:
    """64C5s (F64C5): one spiking conv layer of 64 channels at half resolution with a 5x5 feedback."""
    layer_input = _synapse(nn.Conv2d(architecture.in_channels, 64, 5, stride=2, padding=2), config)
    feedback = _synapse(nn.Conv2d(64, 64, 5, padding=2, bias=False), config, feedback=True)
    out_size = (architecture.input_size + 2 * 2 - 5) // 2 + 1
    snn = FeedbackSNN([FeedbackStream(layer_input, [], feedback)])
    return SpikingModel(config, snn, LinearReadout(64 * out_size**2, architecture.num_classes),
                        events=architecture.events)


def _f400(config: ModelConfig, architecture: IDEArchitecture) -> SpikingModel:
    """400 (F400): one fully connected spiking layer of 400 neurons with a 400x400 feedback."""
    in_features = architecture.in_channels * architecture.input_size**2
    layer_input = _synapse(nn.Linear(in_features, 400), config)
    feedback = _synapse(nn.Linear(400, 400, bias=False), config, feedback=True)
    snn = FeedbackSNN([FeedbackStream(layer_input, [], feedback)])
    return SpikingModel(config, snn, LinearReadout(400, architecture.num_classes), stem=nn.Flatten())


def _multilayer(config: ModelConfig, architecture: IDEArchitecture) -> SpikingModel:
    """AlexNet-F / CIFARNet-F: 5 spiking 3x3 conv layers; ConvT feedback from layer 5 into layer 1."""
    channels, strides = architecture.channels, architecture.strides
    layer_input = _synapse(nn.Conv2d(architecture.in_channels, channels[0], 3, stride=strides[0], padding=1), config)
    layers = [_synapse(nn.Conv2d(c_in, c_out, 3, stride=s, padding=1), config)
              for c_in, c_out, s in zip(channels[:-1], channels[1:], strides[1:])]
    up = math.prod(strides[1:])
    if up != 2:
        raise ValueError(f"strides={strides} is invalid; allowed: one x2 downsampling after layer 1")
    feedback = _synapse(nn.ConvTranspose2d(channels[-1], channels[0], 3, stride=2, padding=1,
                                           output_padding=1, bias=False), config, feedback=True)
    out_size = architecture.input_size // strides[0] // up
    snn = FeedbackSNN([FeedbackStream(layer_input, layers, feedback)])
    return SpikingModel(config, snn, LinearReadout(channels[-1] * out_size**2, architecture.num_classes))


ALEXNET_F = {"channels": (96, 256, 384, 384, 256), "strides": (2, 1, 2, 1, 1)}
CIFARNET_F = {"channels": (128, 256, 512, 1024, 512), "strides": (2, 1, 2, 1, 1)}
IDE_ARCHITECTURES: dict[str, IDEArchitecture] = {
    "ide_mnist_f64c5": IDEArchitecture(kind="f64c5", in_channels=1, input_size=28, num_classes=10),
    "ide_fmnist_f400": IDEArchitecture(kind="f400", in_channels=1, input_size=28, num_classes=10),
    "ide_nmnist_f64c5": IDEArchitecture(kind="f64c5", in_channels=2, input_size=34, num_classes=10, events=True),
    "ide_cifar10_alexnetf": IDEArchitecture(kind="multilayer", in_channels=3, input_size=32, num_classes=10, **ALEXNET_F),
    "ide_cifar100_alexnetf": IDEArchitecture(kind="multilayer", in_channels=3, input_size=32, num_classes=100,
                                             **ALEXNET_F),
    "ide_cifar10_cifarnetf": IDEArchitecture(kind="multilayer", in_channels=3, input_size=32, num_classes=10,
                                             **CIFARNET_F),
    "ide_cifar100_cifarnetf": IDEArchitecture(kind="multilayer", in_channels=3, input_size=32, num_classes=100,
                                              **CIFARNET_F),
    "ide_digits_f64c5": IDEArchitecture(kind="f64c5", in_channels=1, input_size=8, num_classes=10),
}
