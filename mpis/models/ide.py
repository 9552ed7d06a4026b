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


def build_ide_conv_f64c5(config: ModelConfig, in_channels: int, size: int, num_classes: int,
                         events: bool) -> SpikingModel:
    """64C5s (F64C5): one spiking conv layer of 64 channels at half resolution with a 5x5 feedback."""
    refuse_stream_overrides(config)
    layer_input = _synapse(nn.Conv2d(in_channels, 64, 5, stride=2, padding=2), config)
    feedback = _synapse(nn.Conv2d(64, 64, 5, padding=2, bias=False), config, feedback=True)
    out_size = (size + 2 * 2 - 5) // 2 + 1
    snn = FeedbackSNN([FeedbackStream(layer_input, [], feedback)])
    return SpikingModel(config, snn, LinearReadout(64 * out_size**2, num_classes), events=events)


def build_ide_fc_f400(config: ModelConfig, in_features: int, num_classes: int) -> SpikingModel:
    """400 (F400): one fully connected spiking layer of 400 neurons with a 400x400 feedback."""
    refuse_stream_overrides(config)
    layer_input = _synapse(nn.Linear(in_features, 400), config)
    feedback = _synapse(nn.Linear(400, 400, bias=False), config, feedback=True)
    snn = FeedbackSNN([FeedbackStream(layer_input, [], feedback)])
    return SpikingModel(config, snn, LinearReadout(400, num_classes), stem=nn.Flatten())


def build_ide_multilayer(config: ModelConfig, channels: tuple[int, ...], strides: tuple[int, ...],
                         in_channels: int, size: int, num_classes: int) -> SpikingModel:
    """AlexNet-F / CIFARNet-F: 5 spiking 3x3 conv layers; ConvT feedback from layer 5 into layer 1."""
    refuse_stream_overrides(config)
    layer_input = _synapse(nn.Conv2d(in_channels, channels[0], 3, stride=strides[0], padding=1), config)
    layers = [_synapse(nn.Conv2d(c_in, c_out, 3, stride=s, padding=1), config)
              for c_in, c_out, s in zip(channels[:-1], channels[1:], strides[1:])]
    up = strides[1] * strides[2] * strides[3] * strides[4]
    if up != 2:
        raise ValueError(f"strides={strides} is invalid; allowed: one x2 downsampling after layer 1")
    feedback = _synapse(nn.ConvTranspose2d(channels[-1], channels[0], 3, stride=2, padding=1,
                                           output_padding=1, bias=False), config, feedback=True)
    out_size = size // strides[0] // up
    snn = FeedbackSNN([FeedbackStream(layer_input, layers, feedback)])
    return SpikingModel(config, snn, LinearReadout(channels[-1] * out_size**2, num_classes))


ALEXNET_F = ((96, 256, 384, 384, 256), (2, 1, 2, 1, 1))
CIFARNET_F = ((128, 256, 512, 1024, 512), (2, 1, 2, 1, 1))
