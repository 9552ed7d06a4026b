"""Operation counts against hand counts (brute-force fan-outs) and against SpikingJelly's counters."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
import torch
from torch import nn

from mpis.config import ModelConfig, SimulationConfig
from mpis.models import build_model
from mpis.models.operation_count import count_operations, operation_roles
from mpis.models.plain_cnn import PlainCNNArchitecture, build_plain_cnn


def brute_fan_out(op: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """Per input position: the (output, weight) pairs it reaches, by enumerating every kernel offset."""
    if isinstance(op, nn.Linear):
        return torch.full(shape, float(op.out_features))
    channels, height, width = shape
    (kh, kw), (sh, sw), (ph, pw) = op.kernel_size, op.stride, op.padding
    fan = torch.zeros(shape)
    if isinstance(op, nn.ConvTranspose2d):  # input (y, x) writes output (y*s - p + ky, x*s - p + kx)
        out_h = (height - 1) * sh - 2 * ph + kh + op.output_padding[0]
        out_w = (width - 1) * sw - 2 * pw + kw + op.output_padding[1]
        for y, x, ky, kx in itertools.product(range(height), range(width), range(kh), range(kw)):
            if 0 <= y * sh - ph + ky < out_h and 0 <= x * sw - pw + kx < out_w:
                fan[:, y, x] += op.out_channels
        return fan
    out_h, out_w = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    for oy, ox, ky, kx in itertools.product(range(out_h), range(out_w), range(kh), range(kw)):
        y, x = oy * sh - ph + ky, ox * sw - pw + kx
        if 0 <= y < height and 0 <= x < width:
            fan[:, y, x] += op.out_channels
    return fan


def hand_count(op: nn.Module, spike_map: torch.Tensor) -> float:
    return float((spike_map.double() * brute_fan_out(op, tuple(spike_map.shape)).double()).sum())


def _firing_input(shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return 3.0 * torch.rand(shape, generator=generator)


def test_plain_cnn_counts_equal_a_hand_count():
    config = ModelConfig(preset="cnn_digits", gradient="bptt", dropout=0.0, simulation=SimulationConfig(time_steps=5))
    model = build_plain_cnn(config, PlainCNNArchitecture(in_channels=1, input_size=5, num_classes=3,
                                                         widths=(2, 3), strides=(1, 2))).eval()
    inputs = _firing_input((4, 1, 5, 5))
    output, counts = count_operations(model, inputs)
    maps = output.simulation.spike_maps[0]
    assert maps[0].sum() > 0 and maps[1].sum() > 0  # the count below is not trivially zero
    stream = model.snn.streams[0]
    assert counts.synaptic_ops == {"s0_l1": 0.0, "s0_l2": hand_count(stream.layers[0].op, maps[0]),
                                   "head": float(maps[1].sum()) * 3}
    # static image: the first layer is an analog conv evaluated once, 2 x 5 x 5 outputs x 1 x 3 x 3 weights
    assert counts.macs == {"s0_l1": 4 * 2 * 25 * 9, "s0_l2": 0.0, "head": 0.0}
    assert counts.ann_macs == {"s0_l1": 4 * 2 * 25 * 9, "s0_l2": 4 * 3 * 9 * 2 * 9, "head": 4 * 3 * 9 * 3}


def test_ide_feedback_counts_the_spikes_of_all_steps_but_the_last():
    def model_at(steps):
        config = ModelConfig(preset="ide_digits_f64c5", dropout=0.0, simulation=SimulationConfig(time_steps=steps))
        torch.manual_seed(0)
        return build_model(config).eval()

    inputs = _firing_input((3, 1, 8, 8))
    output, counts = count_operations(model_at(6), inputs)
    shorter, _ = count_operations(model_at(5), inputs)  # eval is deterministic: its 5 steps are the first 5 of 6
    feedback = model_at(6).snn.streams[0].feedback.op
    fed_back = shorter.simulation.spike_maps[0][0]
    assert fed_back.sum() > 0
    assert counts.synaptic_ops["s0_l1"] == pytest.approx(hand_count(feedback, fed_back), rel=1e-12)
    assert counts.synaptic_ops["head"] == float(output.simulation.spike_maps[0][0].sum()) * 10
    assert counts.macs["s0_l1"] == 3 * 64 * 4 * 4 * 25  # the input conv on the image, once


def test_mpis_counts_fusion_every_step_and_the_transposed_feedback_by_hand():
    steps = 4
    config = ModelConfig(preset="mpis_digits", dropout=0.0, simulation=SimulationConfig(time_steps=steps))
    torch.manual_seed(0)
    model = build_model(config).eval()
    output, counts = count_operations(model, _firing_input((2, 1, 8, 8)))
    # stem 1->16 and 16->16 on 8x8; stream 0's input conv 16->16 once; fusion 1->0 (1x1 on 4x4) every step
    assert counts.macs["stem"] == 2 * (16 * 64 * 9 + 16 * 64 * 144)
    assert counts.macs["s0_l1"] == 2 * (16 * 64 * 144 + steps * 16 * 16 * 16)
    assert counts.macs["s1_l1"] == 2 * steps * 16 * 16 * 144  # fusion 0->1: 3x3 stride-2 conv, 8x8 -> 4x4
    assert all(role.op is not None for role in operation_roles(model))
    for i, stream in enumerate(model.snn.streams):
        maps = output.simulation.spike_maps[i]
        for k, layer in enumerate(stream.layers):
            assert counts.synaptic_ops[f"s{i}_l{k + 2}"] == pytest.approx(hand_count(layer.op, maps[k]), rel=1e-12)
    # the ConvT feedback reads the last layer's spikes of steps 0..T-2
    shorter, _ = count_operations(model_at_steps(model, config, steps - 1), _firing_input((2, 1, 8, 8)))
    expected = sum(hand_count(s.feedback.op, shorter.simulation.spike_maps[i][-1])
                   for i, s in enumerate(model.snn.streams))
    assert counts.synaptic_ops["s0_l1"] + counts.synaptic_ops["s1_l1"] == pytest.approx(expected, rel=1e-12)


def model_at_steps(model, config, steps):
    other = build_model(dataclasses.replace(config, simulation=SimulationConfig(time_steps=steps)))
    other.load_state_dict(model.state_dict())
    return other.eval()


def test_counts_agree_with_spikingjelly_on_the_plain_cnn():
    """cnn_fmnist (BPTT) on the same spikes: SpikingJelly's SynOpCounter (spike-driven conv/matmul)
    and MACCounter (dense ops on analog input), per module, within 1 %."""
    from spikingjelly.activation_based.op_counter import DispatchCounterMode, MACCounter, SynOpCounter

    config = ModelConfig(preset="cnn_fmnist", gradient="bptt", simulation=SimulationConfig(time_steps=4))
    torch.manual_seed(0)
    model = build_model(config).eval()
    inputs = _firing_input((4, 1, 28, 28))
    output, ours = count_operations(model, inputs)
    synops, macs = SynOpCounter(), MACCounter()
    with torch.no_grad(), DispatchCounterMode([synops, macs]):
        model(inputs)
    theirs_ac = {key: sum(value.values()) for key, value in synops.get_counts().items()}
    theirs_mac = {key: sum(value.values()) for key, value in macs.get_counts().items()}
    prefix = "SpikingModel.snn.streams.0."
    for layer, module in (("s0_l2", "layers.0.op"), ("s0_l3", "layers.1.op")):
        assert ours.synaptic_ops[layer] > 1000
        assert ours.synaptic_ops[layer] == pytest.approx(theirs_ac[prefix + module], rel=0.01)
    assert ours.macs["s0_l1"] == pytest.approx(theirs_mac[prefix + "input_module.op"], rel=0.01)
    assert ours.ann_macs["head"] == pytest.approx(theirs_mac["SpikingModel.head.classifier"], rel=0.01)
    # the readout: SpikingJelly on binary frames whose per-neuron counts are the simulated ones
    counts_map = output.simulation.spike_maps[0][-1]
    frames = torch.stack([(counts_map > k).float().flatten() for k in range(int(counts_map.max()))])
    readout = SynOpCounter()
    with torch.no_grad(), DispatchCounterMode([readout]):
        model.head.classifier(frames)
    assert ours.synaptic_ops["head"] == pytest.approx(readout.get_total(), rel=0.01)
    assert ours.synaptic_ops["head"] > 0
