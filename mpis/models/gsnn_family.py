r"""The gsnn family (:mod:`mpis.models.gsnn`) as model presets: which ``ModelConfig`` fields it reads,
what it refuses, its release defaults, and the trainer's view of a gsnn network.

==========================  ==================================================================
``ModelConfig`` field       gsnn meaning
==========================  ==================================================================
``simulation.time_steps``   T: window sweeps per block, membranes carried over time (release 1)
``neuron.v_threshold``      V_th of every LIF layer (release 0.5)
``neuron.leak``             the LIF decay lambda in u <- lambda u (1 - s) + I (release 0.4)
``dropout``                 dropout p inside the channel MLPs (release 0)
``gradient``                must be ``"bptt"``: surrogate gradients through the T steps
``surrogate``               must be ``"rectangle"`` (its half-width: ``gsnn.surrogate_width``)
``gsnn``                    the family's own options (:class:`mpis.config.GSNNOptions`)
==========================  ==================================================================

Refused with a one-line ``ValueError`` before any data is read: ``gradient="implicit"`` (a gsnn
network has no feedback, so no fixed point), ``forward_tol > 0`` (no early stop: every step sweeps
all windows), ``initial_potential != 0`` (membranes start at 0), ``jacobian_reg > 0``,
``compile="on"`` (its own time loop runs eagerly), MPIS's ``streams``/``depth``/``widths``, and gsnn
options that would have no effect on the configured network (:func:`option_applies`). The
backward-solver settings, ``spectral_bound`` and ``hidden_bn``
configure the implicit gradient and are not read (as for the plain CNN baseline).

:func:`family_defaults` holds the release values of the shared fields and of its recipe (weight
decay 2e-5, gradient clipping at norm 20; a window ratio that does not fit a map falls back to the
release's 0.75 there, ECML.md §4.4), applied by the command line and the studies
(``mpis.models.registry.with_preset_defaults``) before their own values.

The trainer sees a gsnn network as one stream of spiking layers: layer k (metric
``firing_rate_s0_l<k>``) is the k-th LIF layer in network order (``stage<i>.block<j>.lif1``,
``lif2`` for the CNN cell, ``lif`` for recurrent ones; the encoders are not counted). A layer's
neurons per sample per step are its neuron evaluations over the batch and T, so the neurons of a
dilated overlap count once per window that covers them.

**Operation counts** (``synaptic_ops``, ``macs``, ``ann_macs``; :mod:`mpis.models.gsnn_operation_count`),
from the inputs of every op in the test forwards, summed over the T sweeps and the 4 windows:

* **ACs** (spikes x fan-out, padding excluded): a CNN cell's ``conv1`` on the Bernoulli-encoded window
  and ``conv2`` on the LIF-1 spikes; a recurrent cell's input weights :math:`W_{ih}` on the encoded
  spikes (gates x hidden x directions per spike); the mixer's projection ``fc`` reading the rate map
  :math:`\sum_t \mathrm{condense}(s_t)/T`, which is linear in the windows' last-layer spikes (every
  window's spike, an overlap once per window, reaches ``dim`` targets), unless a region threshold
  acts on a dilated block (then a MAC, below).
* **MACs** (dense ops on analog input, every multiplication): the stem (once); with ``encoder="direct"``
  the cell on the analog window (``conv1``, or the whole recurrent layer) once per window, not per
  sweep, as the window is the same at every sweep; a recurrent layer's :math:`W_{hh}` on its analog
  hidden state (gates x hidden^2 per token and direction, per call); ``fc`` after a region threshold
  on overlap averages; the channel MLPs, patch merging (tokens and membrane maps) and the head.
* **Not counted**: gate nonlinearities and products of recurrent cells, the membrane fusion
  :math:`\Omega`, window condensing and region thresholding, residual additions, GELU, mean pooling,
  the encoder's random numbers, biases, LIF updates, memory traffic.

Keys: ``s0_l<k>`` holds the op feeding LIF layer k (``conv1``, ``conv2``, the recurrent layer), and
the block's ``fc``, MLP and the following patch merging are added to its last LIF layer's key;
``stem`` and ``head`` as for the other presets. ``ann_macs``: every op densely once per window (T = 1).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from mpis.config import REGION_THRESHOLD_OFF, ModelConfig, require
from mpis.models.gsnn import GSNN_PRESETS, GSNNConfig, GSNNNet, SpikeCount, block_geometries, gsnn_config
from mpis.models.spiking_model import ModelOutput
from mpis.snn.simulation import SimulationResult

SHARED_FIELDS = {"simulation.time_steps": "time_steps", "neuron.v_threshold": "v_threshold",
                 "neuron.leak": "decay", "dropout": "dropout"}  # ModelConfig field -> GSNNConfig field
PAPER_FUSIONS = ("product", "nested")  # the fusions that read theta


def option_applies(option: str, network: GSNNConfig) -> bool:
    """Whether the gsnn option ``option`` changes the network ``network`` (conditional options)."""
    conditions = {"bidirectional": network.cell != "cnn", "theta": network.fusion_mode in PAPER_FUSIONS,
                  "window_ratio": network.window_schedule != "always_regular",
                  "region_fill": network.region_threshold is not None}
    return conditions.get(option, True)


def family_defaults(preset: str) -> dict[str, Any]:
    """Dotted ``ExperimentConfig`` fields -> the release values of preset ``preset`` (gsnn only)."""
    network = GSNN_PRESETS[preset]
    defaults: dict[str, Any] = {f"model.{field}": getattr(network, name) for field, name in SHARED_FIELDS.items()}
    defaults.update({"model.gradient": "bptt", "model.surrogate": "rectangle", "model.neuron.initial_potential": 0.0,
                     "train.weight_decay": 2e-5, "train.gradient_clip": 20.0,  # the release's recipe (ECML.md §3.3)
                     "model.gsnn.window_ratio_fallback": 0.75})  # ECML.md §4.4; never used at ratio 0.75
    if preset.startswith("gsnn_fmnist"):
        defaults["data.pad_to"] = network.input_size  # Fashion-MNIST 28x28 -> 32x32
    return defaults


def refuse_unsupported(config: ModelConfig) -> None:
    """The one-line ``ValueError`` for a field the family does not have (see the module docstring)."""
    name = config.preset
    require(config.gradient == "bptt", "gradient", config.gradient,
            f"'bptt' for preset {name!r}: a gsnn network has no feedback, so no fixed point to solve")
    require(config.surrogate == "rectangle", "surrogate", config.surrogate,
            f"'rectangle' for preset {name!r} (its width is gsnn.surrogate_width)")
    require(config.simulation.forward_tol == 0, "forward_tol", config.simulation.forward_tol,
            f"0 for preset {name!r} (every step sweeps all windows)")
    require(config.neuron.initial_potential == 0, "initial_potential", config.neuron.initial_potential,
            f"0 for preset {name!r} (gsnn membranes start at 0)")
    require(config.jacobian_reg == 0, "jacobian_reg", config.jacobian_reg, f"0 for preset {name!r} (no fixed point)")
    require(config.compile != "on", "compile", config.compile,
            f"'auto' or 'off' for preset {name!r} (its own time loop is not compiled)")
    for field in ("streams", "depth", "widths"):
        value = getattr(config, field)
        require(value is None, field, value, f"None for preset {name!r} (a gsnn network, not MPIS)")


def network_config(config: ModelConfig) -> GSNNConfig:
    """The :class:`GSNNConfig` of ``config`` (preset, shared fields, gsnn options), fully checked,
    window geometry included, without building the network."""
    refuse_unsupported(config)
    given = config.gsnn.given()
    if given.get("region_threshold") == REGION_THRESHOLD_OFF:
        given["region_threshold"] = None
    shared = {name: _read(config, field) for field, name in SHARED_FIELDS.items()}
    if "blocks" in given:
        given["depths"] = depths_for_blocks(config.preset, given.pop("blocks"), given.get("depths"))
    network = gsnn_config(config.preset, {**shared, **given})
    for option in given:
        require(option_applies(option, network), option, given[option],
                f"None for this network (it has no effect with cell={network.cell!r}, "
                f"fusion_mode={network.fusion_mode!r}, window_schedule={network.window_schedule!r}, "
                f"region_threshold={network.region_threshold!r})")
    block_geometries(network)
    return network


def depths_for_blocks(preset: str, blocks: int, depths: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """The preset's depths with the second-to-last stage changed so that they sum to ``blocks``
    (Sequencer/Swin deepen their third stage); ``ValueError`` if ``depths`` is given too, or if that
    stage would have no block.

    Example:
        >>> depths_for_blocks("gsnn_cifar10_cnn", 20)
        (2, 2, 14, 2)
    """
    require(depths is None, "blocks", blocks, "None when depths is given (one of the two)")
    base = list(GSNN_PRESETS[preset].depths)
    stage = max(len(base) - 2, 0)
    base[stage] += blocks - sum(base)
    require(base[stage] >= 1, "blocks", blocks, f"an integer >= {sum(GSNN_PRESETS[preset].depths) - base[stage] + 1} "
            f"for preset {preset!r}")
    return tuple(base)


def _read(config: ModelConfig, dotted: str) -> Any:
    value: Any = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def as_simulation(counts: dict[str, SpikeCount], batch: int, time_steps: int) -> SimulationResult:
    """The LIF layers' spike counts as the trainer's ``SimulationResult`` (one stream of layers).

    ``rates[0]`` is ``(batch, layers)``: each layer's firing rate of this batch, the same row for
    every sample (gsnn counts spikes per layer, not per sample); no step changes are recorded."""
    layers = [count for name, count in counts.items() if not name.endswith(".encoder")]
    spikes = torch.stack([count.spikes for count in layers])
    neurons = [count.neurons // (batch * time_steps) for count in layers]
    rates = spikes / torch.tensor([count.neurons for count in layers], dtype=spikes.dtype, device=spikes.device)
    return SimulationResult(rates=[rates.expand(batch, -1)], steps=time_steps, step_change=[],
                            stream_step_changes=[], spike_counts=[spikes.tolist()], layer_neurons=[neurons])


class GSNNModel(nn.Module):
    """A :class:`GSNNNet` whose forward returns the trainer's :class:`ModelOutput` (logits and the
    LIF layers' spikes); ``input_shape`` is set by ``build_model`` like every preset's."""

    def __init__(self, config: ModelConfig, network: GSNNConfig):
        super().__init__()
        self.config = config
        self.network_config = network
        self.net = GSNNNet(network)
        self.input_shape: tuple[int, ...] | None = None

    def forward(self, x: Tensor) -> ModelOutput:
        output = self.net(x)
        return ModelOutput(output.logits, as_simulation(output.spike_counts, x.shape[0], self.network_config.time_steps))


def build_gsnn_model(config: ModelConfig) -> GSNNModel:
    """The gsnn network of ``config``, release-initialised (``GSNNNet``)."""
    return GSNNModel(config, network_config(config))

