r"""MPIS-SNN as its paper intends it (Cao et al., ECCV 2024; ALGORITHMS.md §3.1, §3.4).

``stem -> M fused feedback streams -> multi-resolution head``, built on the engine's pieces:

* **Streams.** Stream ``i`` is a :class:`FeedbackStream` of ``depth`` spiking conv layers (3x3,
  padding 1) at resolution ``H / 2^i``; layer 1 is the input module, one layer (``stride_layer``)
  has stride 2, and a transposed conv (no bias, no BN) feeds the last layer back into layer 1.
  Every spiking op is a :class:`SynapticModule` (unit-norm init, BN, variational dropout). The
  feedback weight is spectral-norm restricted by ``ModelConfig.spectral_bound`` (default 1.0, as
  IDE; ``None`` = unrestricted, as the release): the contraction control of §3.4.
* **Input.** Stream 0's input module takes the stem output (static images: analog conv stem) or
  the raw event frames; every other stream gets a learned constant current
  (:class:`ConstantCurrent`), the ``X_i(0)`` of the release.
* **Fusion** of the layer-1 currents (:class:`StreamFusion`) sits in ``FeedbackSNN.fuse``, so it is
  in the simulation *and* in the equivalent map ``f`` the implicit gradient differentiates:

  .. math::
      a_{i,1} = \sigma\big((c_i + \textstyle\sum_{j \ne i} \Phi_{j \to i} c_j) / V_{th}\big), \quad
      a_{i,l} = \sigma\big(S_{i,l-1}(a_{i,l-1}) / V_{th}\big), \quad c_i = X_i(\bar x_i) + W_i a_{i,N}

  with one division by V_th; the fixed point is the joint vector of all last-layer rates.
* **Rates** are accumulated over all T steps (LIF: weighted) for every stream (the engine's
  simulation); the head sees the simulated rates, the gradient comes from ``f`` at those rates.
* **Head**: :class:`MultiResolutionHead`.

``gradient="implicit"`` trains the joint fixed point with any backward solver (``one_step`` is the
Jacobian-free gradient the released code effectively uses); ``gradient="bptt"`` unrolls the same
network with a surrogate spike derivative.
"""

from __future__ import annotations

from torch import nn

from mpis.config import ModelConfig
from mpis.models.analog_block import build_analog_stem
from mpis.models.constant_current import ConstantCurrent
from mpis.models.mpis_architecture import (
    MPISArchitecture,
    apply_overrides,
    output_size,
    stream_sizes,
)
from mpis.models.mpis_head import MultiResolutionHead
from mpis.models.spiking_model import SpikingModel
from mpis.models.stream_fusion import StreamFusion
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream
from mpis.snn.synaptic_module import SynapticModule


def _spiking_conv(in_channels: int, out_channels: int, stride: int, config: ModelConfig) -> SynapticModule:
    op = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
    return SynapticModule(op, batch_norm=True, dropout=config.dropout)


def _feedback(architecture: MPISArchitecture, size: tuple[int, int], config: ModelConfig) -> SynapticModule:
    """ConvT(last -> first, k3, s2) whose output padding restores the stream's exact (H, W)."""
    padding = tuple(1 - n % 2 for n in size)  # even sizes need output_padding 1, odd ones 0
    op = nn.ConvTranspose2d(architecture.widths[-1], architecture.widths[0], 3, stride=2, padding=1,
                            output_padding=padding, bias=False)
    return SynapticModule(op, batch_norm=False, dropout=config.dropout, spectral_bound=config.spectral_bound)


def build_stream(architecture: MPISArchitecture, index: int, size: tuple[int, int],
                 config: ModelConfig) -> FeedbackStream:
    """Stream ``index``: input module (real input for stream 0, a constant otherwise), layers, feedback."""
    widths, strided = architecture.widths, architecture.strided_layer_index()
    if index == 0:
        input_module = _spiking_conv(architecture.stream_input_channels(), widths[0], 1, config)
    else:
        input_module = ConstantCurrent(widths[0], size)
    layers = [_spiking_conv(widths[k - 1], widths[k], 2 if k == strided else 1, config)
              for k in range(1, len(widths))]
    return FeedbackStream(input_module, layers, _feedback(architecture, size, config))


def build_mpis_model(config: ModelConfig, architecture: MPISArchitecture) -> SpikingModel:
    """The MPIS network of ``architecture`` with ``config``'s overrides (streams, depth, widths)."""
    architecture = apply_overrides(architecture, config)
    sizes = stream_sizes(architecture)
    streams = [build_stream(architecture, i, size, config) for i, size in enumerate(sizes)]
    fusion = None
    if len(streams) > 1:
        fusion = StreamFusion(architecture.widths[0], sizes, upsample_projection=architecture.upsample_projection)
    v_threshold = config.neuron.v_threshold
    stem = None
    if architecture.stem_channels is not None:
        stem = build_analog_stem(architecture.in_channels, architecture.stem_channels,
                                 architecture.stem_stride, v_threshold)
    head = MultiResolutionHead(architecture.widths[-1], architecture.streams, output_size(sizes[-1]),
                               architecture.num_classes, v_threshold)
    return SpikingModel(config, FeedbackSNN(streams, fusion), head, stem=stem, events=architecture.events)
