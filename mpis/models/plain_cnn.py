"""Plain feedforward spiking CNNs: the BPTT baselines of the MPIS comparison table (ALGORITHMS.md §7.3).

``16C3-32C3-48C3-FC10`` (Fashion-MNIST) and ``32C3-32C3(s2)-64C3-FC10`` (N-MNIST, 34x34 events):
spiking 3x3 conv layers (padding 1, with bias), the input current fed at every step (static images:
the same analog current; events: one frame per step), and a linear classifier on the last layer's
rate. There is no feedback, so there is no fixed point: these models train only with
``gradient="bptt"`` (surrogate spike derivative through all T steps), and ``"implicit"`` is refused.

Choices (the paper gives only the strings above):

* **BatchNorm without affine parameters** after every conv: the N-MNIST baseline's 213,322
  parameters (608 + 9,248 + 18,496 + 184,970) are exactly the convs with bias and the classifier,
  so the BN has no trainable gamma/beta (the conv bias already shifts); it is ordinary BN otherwise
  (batch statistics at every step in training, running statistics in eval).
* **Stride 2 in the second layer** for both (the N-MNIST string says so; the Fashion-MNIST string
  does not, and we use the same placement: 112,762 parameters. The slides' "133K" is not reached by
  any natural reading, see §3.2).
* Unit-norm init and one variational-dropout mask per forward, like every other spiking layer here.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from mpis.config import ModelConfig, require
from mpis.models.readout import LinearReadout
from mpis.models.spiking_model import SpikingModel
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream
from mpis.snn.synaptic_module import SynapticModule


@dataclass(frozen=True, kw_only=True)
class PlainCNNArchitecture:
    in_channels: int
    input_size: int  # square input H = W
    num_classes: int
    widths: tuple[int, ...]  # channels of the spiking conv layers
    strides: tuple[int, ...]  # their strides
    events: bool = False


def refuse_unsupported(config: ModelConfig) -> None:
    """A plain CNN trains by BPTT only and has no MPIS stream options."""
    require(config.gradient == "bptt", "gradient", config.gradient,
            f"'bptt' for preset {config.preset!r}: a plain CNN has no feedback, so no fixed point to solve")
    for name in ("streams", "depth", "widths"):
        value = getattr(config, name)
        require(value is None, name, value, f"None for preset {config.preset!r} (a plain CNN, not MPIS)")


def build_plain_cnn(config: ModelConfig, architecture: PlainCNNArchitecture) -> SpikingModel:
    """A feedforward spiking CNN (one stream without feedback) with a linear readout."""
    refuse_unsupported(config)
    convs, size, channels = [], architecture.input_size, architecture.in_channels
    for width, stride in zip(architecture.widths, architecture.strides):
        op = nn.Conv2d(channels, width, 3, stride=stride, padding=1)
        convs.append(SynapticModule(op, batch_norm=True, affine=False, dropout=config.dropout))
        size, channels = (size - 1) // stride + 1, width
    snn = FeedbackSNN([FeedbackStream(convs[0], convs[1:], feedback=None)])
    head = LinearReadout(channels * size * size, architecture.num_classes)
    return SpikingModel(config, snn, head, events=architecture.events)


CNN_FMNIST = PlainCNNArchitecture(in_channels=1, input_size=28, num_classes=10, widths=(16, 32, 48),
                                  strides=(1, 2, 1))
CNN_NMNIST = PlainCNNArchitecture(in_channels=2, input_size=34, num_classes=10, widths=(32, 32, 64),
                                  strides=(1, 2, 1), events=True)
CNN_DIGITS = PlainCNNArchitecture(in_channels=1, input_size=8, num_classes=10, widths=(16, 32, 48),
                                  strides=(1, 2, 1))
