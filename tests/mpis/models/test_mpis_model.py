"""MPIS structure: one stream is IDE, input enters stream 0 only, fusion, rates, head."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from mpis.config import ModelConfig, NeuronConfig, SimulationConfig
from mpis.models import ide
from mpis.models.constant_current import ConstantCurrent
from mpis.models.mpis_architecture import MPISArchitecture, widths_for_depth
from mpis.models.mpis_network import build_mpis_model
from mpis.models.readout import LinearReadout
from mpis.models.stream_fusion import StreamFusion
from mpis.neurons import rate_normaliser
from mpis.snn.synaptic_module import BNStats, ForwardState

SMALL = MPISArchitecture(in_channels=1, input_size=(9, 9), num_classes=3, streams=2, widths=(3, 4, 4),
                         stem_channels=2)



def _config(time_steps=12, **model):
    return ModelConfig(preset="mpis_digits", simulation=SimulationConfig(time_steps=time_steps), **model)


def _make_active(model):
    """Positive BN shifts and constant currents, so that every layer of every stream fires."""
    with torch.no_grad():
        for module in model.snn.synaptic_modules():
            if module.bn is not None:
                module.bn.bias.uniform_(0.3, 1.2)
        for stream in model.snn.streams[1:]:
            stream.input_module.current.uniform_(0.3, 1.2)
    return model


def _ide_and_one_stream_mpis():
    """IDE's multi-layer network (5 layers, stride 2 in layer 3) and the 1-stream MPIS with its weights
    (both restrict the feedback weight's spectral norm, so the state dicts match key for key)."""
    torch.manual_seed(0)
    channels, strides = (3, 4, 5, 4, 3), (1, 1, 2, 1, 1)
    ide_model = ide.build_ide_model(_config(), ide.IDEArchitecture(kind="multilayer", in_channels=1, input_size=8,
                                                                   num_classes=3, channels=channels, strides=strides))
    _make_active(ide_model)
    architecture = MPISArchitecture(in_channels=1, input_size=(8, 8), num_classes=3, streams=1,
                                    widths=channels, stride_layer=2)
    mpis_model = build_mpis_model(_config(), architecture)
    mpis_model.head = LinearReadout(3 * 4 * 4, 3)  # the same readout on both
    mpis_model.load_state_dict(ide_model.state_dict())  # strict: the same modules, the same shapes
    return ide_model, mpis_model


def test_one_stream_mpis_gives_the_same_rates_and_gradients_as_the_multilayer_ide_network():
    ide_model, mpis_model = _ide_and_one_stream_mpis()
    x, y = torch.rand(4, 1, 8, 8) * 4, torch.tensor([0, 1, 2, 0])
    outputs = {}
    for name, model in (("ide", ide_model), ("mpis", mpis_model)):
        torch.manual_seed(1)  # the same dropout masks, drawn in the same order
        output = model.train()(x)
        F.cross_entropy(output.logits, y).backward()
        outputs[name] = output
    assert outputs["ide"].simulation.rates[0].sum() > 0  # the network is not silent
    torch.testing.assert_close(outputs["mpis"].simulation.rates, outputs["ide"].simulation.rates)
    torch.testing.assert_close(outputs["mpis"].logits, outputs["ide"].logits)
    assert outputs["mpis"].backward.steps == outputs["ide"].backward.steps
    ide_grads = dict(ide_model.named_parameters())
    for name, parameter in mpis_model.named_parameters():
        torch.testing.assert_close(parameter.grad, ide_grads[name].grad, msg=name)


def test_only_stream_0_sees_the_input_other_streams_get_it_through_the_fusion():
    torch.manual_seed(0)
    model = build_mpis_model(_config(dropout=0.0), SMALL).eval()
    assert isinstance(model.snn.streams[1].input_module, ConstantCurrent)
    x1, x2 = torch.rand(2, 1, 9, 9) * 3, torch.rand(2, 1, 9, 9) * 3
    with torch.no_grad():
        state = model.snn.forward_state()
        currents = [model.snn.input_currents(model.stem(x), state) for x in (x1, x2)]
        assert torch.equal(currents[0][1], currents[1][1])  # a constant, whatever the image
        fused = [model.snn.fuse(c, state, BNStats.RUNNING) for c in currents]
        assert not torch.equal(fused[0][1], fused[1][1])  # the image reaches stream 1 by fusion
        maps = [model.snn.equivalent_map([None, None], c, 2.0, state, BNStats.RUNNING) for c in currents]
        assert not torch.equal(maps[0][1], maps[1][1])  # ... inside f too
        model.snn.fusion = None
        unfused = [model.snn.equivalent_map([None, None], c, 2.0, state, BNStats.RUNNING) for c in currents]
        assert torch.equal(unfused[0][1], unfused[1][1])


def test_constant_current_is_learned_and_broadcast_over_batch_and_resolution():
    module = ConstantCurrent(3, (5, 4))
    with torch.no_grad():
        module.current.copy_(torch.tensor([1.0, -2.0, 0.5]))
    out = module(torch.randn(2, 7, 11, 11), None, BNStats.RUNNING)
    assert out.shape == (2, 3, 5, 4) and torch.equal(out[1, :, 3, 2], module.current.detach())
    out.sum().backward()
    assert torch.equal(module.current.grad, torch.full((3,), 40.0))


def test_fusion_adds_upsampled_coarser_and_strided_finer_currents_with_odd_sizes():
    fusion = StreamFusion(2, [(5, 5), (3, 3)], upsample_projection=False).eval()
    down = fusion.paths["0_to_1"].ops[0]
    with torch.no_grad():
        down.op.weight.zero_()
        down.op.weight[:, :, 1, 1] = torch.eye(2)  # centre tap: picks pixel (2i, 2j)
    fine, coarse = torch.randn(1, 2, 5, 5), torch.randn(1, 2, 3, 3)
    fused_fine, fused_coarse = fusion([fine, coarse], ForwardState({}, {}), BNStats.RUNNING)
    scale = (1 + down.bn.eps) ** -0.5  # BN with initial running statistics
    upsampled = coarse.repeat_interleave(2, 2).repeat_interleave(2, 3)[..., :5, :5]
    torch.testing.assert_close(fused_fine, fine + upsampled)
    torch.testing.assert_close(fused_coarse, coarse + scale * fine[..., ::2, ::2])


def test_fusion_paths_follow_the_widths_and_chain_one_strided_conv_per_level():
    fusion = StreamFusion(6, [(16, 16), (8, 8), (4, 4), (2, 2)])
    assert len(fusion.paths["0_to_3"].ops) == 3 and len(fusion.paths["1_to_2"].ops) == 1
    assert fusion.paths["3_to_0"].scale == 8 and fusion.paths["3_to_0"].projection.op.out_channels == 6
    assert all(op.op.in_channels == 6 for op in fusion.paths["0_to_3"].ops)


@pytest.mark.parametrize("leak", [1.0, 0.9])
def test_every_stream_accumulates_its_rate_over_all_t_steps(leak):
    torch.manual_seed(0)
    config = _config(time_steps=20, dropout=0.0, neuron=NeuronConfig(leak=leak))
    model = _make_active(build_mpis_model(config, dataclasses.replace(SMALL, streams=3))).eval()
    with torch.no_grad():
        sim = model(torch.rand(2, 1, 9, 9) * 4).simulation
    for rates, counts in zip(sim.rates, sim.spike_counts):
        assert counts[-1] > 0
        if leak == 1.0:  # rate = count / T: every step's spikes are in it
            assert (rates.sum() * 20).item() == pytest.approx(counts[-1])
        levels = torch.unique(rates * rate_normaliser(20, leak))
        assert len(levels) > 2  # not the released "first step only" binary map


def test_head_brings_every_stream_to_the_coarsest_resolution():
    model = build_mpis_model(_config(), dataclasses.replace(SMALL, streams=3))
    assert [len(down) for down in model.head.downsample] == [2, 1, 0]
    assert model.head.classifier.in_features == 4 * 2 * 2  # 9 -> 5 -> 3 streams, last layer 2x2
    rates = [torch.rand(2, 4, 5, 5), torch.rand(2, 4, 3, 3), torch.rand(2, 4, 2, 2)]
    assert model.head(rates).shape == (2, 3)


def test_depth_override_resamples_the_preset_widths():
    assert widths_for_depth((32, 32, 64), 2) == (32, 64)
    assert widths_for_depth((32, 32, 64), 5) == (32, 32, 32, 64, 64)
    model = build_mpis_model(_config(depth=4), SMALL)
    assert model.snn.streams[0].depth == 4


@pytest.mark.parametrize("overrides, architecture, argument", [
    ({"depth": 3, "widths": (4, 4)}, SMALL, "widths"),
    ({"widths": (4, 0, 4)}, SMALL, "widths"),
    ({}, dataclasses.replace(SMALL, stride_layer=0), "stride_layer"),
    ({"streams": 4}, dataclasses.replace(SMALL, input_size=(8, 8), stem_channels=None), "streams")])
def test_bad_architecture_is_refused_at_build_time_naming_the_argument(overrides, architecture, argument):
    with pytest.raises(ValueError, match=rf"^{argument}=.* is invalid; allowed: "):
        build_mpis_model(_config(**overrides), architecture)


def test_event_architecture_with_a_stem_is_refused():
    with pytest.raises(ValueError, match=r"^stem_channels=4 is invalid; allowed: None for event input"):
        dataclasses.replace(SMALL, events=True, stem_channels=4)
