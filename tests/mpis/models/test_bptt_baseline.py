"""The BPTT surrogate-gradient baseline on the IDE, MPIS and plain-CNN presets."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mpis.config import ModelConfig, SimulationConfig
from mpis.models import PRESETS, build_model

SURROGATE_DERIVATIVES = {  # written out here, independently of mpis.surrogates
    "sigmoid": lambda v: 4 * torch.sigmoid(4 * v) * (1 - torch.sigmoid(4 * v)),
    "triangle": lambda v: (1 - v.abs()).clamp_min(0),
    "rectangle": lambda v: (v.abs() < 0.5).to(v.dtype),
}



def _config(preset, time_steps=6, **model):
    return ModelConfig(preset=preset, gradient="bptt", simulation=SimulationConfig(time_steps=time_steps), **model)


def _inputs(preset, time_steps=6, batch=4, scale=3.0):
    spec = PRESETS[preset]
    if spec.events:
        return (torch.rand(batch, time_steps, *spec.input_shape) < 0.3).float()
    return torch.rand(batch, *spec.input_shape) * scale


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, shifted, name):
        ctx.save_for_backward(shifted)
        ctx.name = name
        return (shifted >= 0).to(shifted.dtype)

    @staticmethod
    def backward(ctx, grad):
        (shifted,) = ctx.saved_tensors
        return grad * SURROGATE_DERIVATIVES[ctx.name](shifted), None


def _reference_logits(model, x, surrogate, time_steps, v_threshold=2.0):
    """Hand-unrolled IF dynamics of a one-stream model: layer 1 gets input + feedback(k-1), then the
    layers fire in order; the rate is count / T; autograd runs through every step and spike."""
    state = model.snn.forward_state()
    stream = model.snn.streams[0]
    input_current = stream.input_module(model.stem(x) if model.stem is not None else x, state)
    start = model.config.neuron.initial_potential * v_threshold  # u before the first step
    potentials, last, total = [start] * stream.depth, None, 0.0
    for _ in range(time_steps):
        current = input_current if last is None or stream.feedback is None else input_current + stream.feedback(last, state)
        for depth in range(stream.depth):
            if depth > 0:
                current = stream.layers[depth - 1](spikes, state)  # noqa: F821 (spikes of layer depth - 1)
            potential = potentials[depth] + current
            spikes = _Spike.apply(potential - v_threshold, surrogate)
            potentials[depth] = potential - v_threshold * spikes
        last, total = spikes, total + spikes
    return model.head([total / time_steps])


@pytest.mark.parametrize("surrogate", sorted(SURROGATE_DERIVATIVES))
@pytest.mark.parametrize("preset", ["cnn_digits", "ide_digits_f64c5", "ide_fmnist_f400"])
def test_bptt_gradient_equals_a_hand_unrolled_surrogate_gradient(preset, surrogate):
    torch.manual_seed(0)
    model = build_model(_config(preset, dropout=0.0, surrogate=surrogate)).double().eval()
    x, y = _inputs(preset).double(), torch.tensor([0, 1, 2, 3])
    F.cross_entropy(model(x).logits, y).backward()
    got = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad()
    logits = _reference_logits(model, x, surrogate, 6)
    torch.testing.assert_close(logits, model(x).logits.detach())
    F.cross_entropy(logits, y).backward()
    assert sum(g.abs().sum() for g in got.values()) > 0
    for name, p in model.named_parameters():
        torch.testing.assert_close(got[name], p.grad, msg=name)


def test_surrogates_chosen_by_name_give_different_gradients():
    grads = {}
    for surrogate in SURROGATE_DERIVATIVES:
        torch.manual_seed(0)
        model = build_model(_config("cnn_digits", dropout=0.0, surrogate=surrogate)).eval()
        F.cross_entropy(model(_inputs("cnn_digits")).logits, torch.tensor([0, 1, 2, 3])).backward()
        grads[surrogate] = model.snn.streams[0].input_module.op.weight.grad
    assert not torch.allclose(grads["sigmoid"], grads["triangle"])
    assert not torch.allclose(grads["triangle"], grads["rectangle"])


@pytest.mark.parametrize("preset", ["ide_digits_f64c5", "ide_nmnist_f64c5", "mpis_digits", "mpis_nmnist",
                                    "cnn_digits", "cnn_fmnist", "cnn_nmnist"])
def test_every_family_trains_one_bptt_step_with_gradients_for_every_parameter(preset):
    torch.manual_seed(0)
    model = build_model(_config(preset, time_steps=4)).train()
    output = model(_inputs(preset, time_steps=4, batch=2))
    F.cross_entropy(output.logits, torch.tensor([0, 1])).backward()
    assert output.backward is None  # no adjoint solve: gradients went through time
    missing = [name for name, p in model.named_parameters() if p.grad is None]
    assert not missing
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("preset", ["mpis_digits", "ide_digits_f64c5"])
def test_bptt_model_computes_the_same_forward_as_the_implicit_model_in_eval(preset):
    torch.manual_seed(0)
    implicit = build_model(ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=10))).eval()
    bptt = build_model(_config(preset, time_steps=10)).eval()
    bptt.load_state_dict(implicit.state_dict())
    x = _inputs(preset)
    with torch.no_grad():
        torch.testing.assert_close(bptt(x).logits, implicit(x).logits)


def test_bptt_uses_ordinary_batchnorm_on_batch_statistics_at_every_step():
    torch.manual_seed(0)
    model = build_model(_config("mpis_digits", time_steps=5)).train()
    model(_inputs("mpis_digits"))
    snn_norms = [m for m in model.snn.modules() if isinstance(m, nn.BatchNorm2d)]
    stem_norms = [m for m in model.stem.modules() if isinstance(m, nn.BatchNorm2d)]
    stream0_input = model.snn.streams[0].input_module.bn
    assert all(m.num_batches_tracked.item() == 1 for m in stem_norms + [stream0_input])  # encoded once
    hidden = [m for m in snn_norms if m is not stream0_input]
    assert hidden and all(m.num_batches_tracked.item() == 5 for m in hidden)  # once per step


@pytest.mark.parametrize("preset", ["cnn_digits", "cnn_fmnist", "cnn_nmnist"])
def test_plain_cnn_with_implicit_gradient_is_refused_at_build_time(preset):
    with pytest.raises(ValueError, match=r"^gradient='implicit' is invalid; allowed: 'bptt' for preset "):
        build_model(ModelConfig(preset=preset))
    with pytest.raises(ValueError, match=r"^streams=2 is invalid; allowed: None for preset "):
        build_model(ModelConfig(preset=preset, gradient="bptt", streams=2))


def test_unknown_surrogate_is_refused_when_the_model_is_built():
    with pytest.raises(ValueError, match=r"^surrogate='erf' is invalid; allowed: one of rectangle, sigmoid"):
        build_model(ModelConfig(preset="cnn_digits", gradient="bptt", surrogate="erf"))


@pytest.mark.parametrize("preset", ["cnn_fmnist", "cnn_nmnist"])
def test_plain_cnn_normalises_with_ordinary_batchnorm_at_every_step_without_extra_parameters(preset):
    torch.manual_seed(0)
    model = build_model(_config(preset, time_steps=3)).train()
    model(_inputs(preset, time_steps=3, batch=2))
    norms = [m for m in model.snn.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 3 and all(m.weight is None for m in norms)  # the paper's counts stay exact
    input_norm = model.snn.streams[0].input_module.bn  # a static image is encoded once, events per frame
    assert input_norm.num_batches_tracked.item() == (3 if PRESETS[preset].events else 1)
    assert all(m.num_batches_tracked.item() == 3 for m in norms if m is not input_norm)  # every step
