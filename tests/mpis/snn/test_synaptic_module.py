"""Synaptic modules and their per-forward state: the papers' BatchNorm policy (one running-statistics
update per training step, batch statistics without update for the input, spike-input statistics),
dropout masks shared within a forward, and the spectral-norm restriction."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mpis.config import (
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
    SolverConfig,
)
from mpis.models import build_model
from mpis.snn.synaptic_module import BNStats, SynapticModule


def _config(preset="ide_digits_f64c5", time_steps=20, **model):
    return ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=time_steps), **model)


def test_batchnorm_running_statistics_change_exactly_once_per_training_step():
    torch.manual_seed(0)
    model = build_model(_config("ide_cifar10_alexnetf", time_steps=3)).train()
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([0, 1])
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in norms]
    F.cross_entropy(model(x).logits, y).backward()
    assert len(norms) == 5 and all(m.num_batches_tracked.item() == 1 for m in norms)
    assert all(not torch.equal(m.running_mean, b) for m, b in zip(norms, before))


def test_input_bn_uses_batch_statistics_without_update_and_hidden_bn_running_statistics():
    module = SynapticModule(nn.Linear(3, 4), batch_norm=True, dropout=0.0).train()
    x = torch.randn(16, 3) * 5 + 2
    batch = module(x, bn=BNStats.BATCH_NO_UPDATE)
    assert module.bn.num_batches_tracked.item() == 0
    torch.testing.assert_close(batch.mean(0), module.bn.bias.expand(4), atol=1e-5, rtol=0)
    running = module(x, bn=BNStats.RUNNING)  # mean 0, var 1: BN is the identity affine map here
    torch.testing.assert_close(running, module.op(x) / (1 + module.bn.eps) ** 0.5)
    assert module.bn.num_batches_tracked.item() == 0


def test_dropout_mask_is_shared_within_a_forward_and_resampled_per_forward():
    module = SynapticModule(nn.Linear(8, 64), batch_norm=False, dropout=0.5).train()
    x = torch.randn(4, 8)
    state = module.forward_state()
    first, again = module(x, state), module(x, state)
    other = module(x, module.forward_state())
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(module(x, state), first)  # the state is a value: the mask is still there
    assert not torch.equal(module(x), first)  # a standalone call gets a fresh mask


def test_spectral_restriction_bounds_the_reshaped_kernel_norm_by_the_clamped_alpha():
    conv = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, bias=False)
    module = SynapticModule(conv, batch_norm=False, dropout=0.0, spectral_bound=0.5)
    with torch.no_grad():
        module.spectral.alpha.fill_(3.0)
    for _ in range(30):  # one power iteration per training forward call
        state = module.forward_state()
    matrix = state.weights[module].detach().reshape(6, -1)
    assert torch.linalg.matrix_norm(matrix, ord=2).item() == pytest.approx(0.5, rel=1e-4)
    assert module.spectral.alpha.requires_grad and module.op.weight.requires_grad


def test_event_model_trains_with_spike_input_bn_statistics_and_one_running_update():
    torch.manual_seed(0)
    config = ModelConfig(preset="ide_nmnist_f64c5", neuron=NeuronConfig(leak=0.95),
                         simulation=SimulationConfig(time_steps=4), backward=SolverConfig(max_iter=5))
    model = build_model(config).train()
    frames = (torch.rand(2, 4, 2, 34, 34) < 0.2).float()
    before = frames.clone()
    output = model(frames)
    F.cross_entropy(output.logits, torch.tensor([3, 7])).backward()
    bn = model.snn.streams[0].input_module.bn
    assert bn.num_batches_tracked.item() == 1  # the equivalent pass only, not T simulation steps
    assert torch.equal(frames, before)  # the leak-weighted input average is computed out of place
    assert output.backward.calls == 1 and output.simulation.layer_neurons == [[64 * 17 * 17]]
    assert all(p.grad is not None for p in model.parameters())
