"""The equilibrium's health as the trainer reports it, checked against dense computations on tiny
models (float64): the fixed-point residual, the spectral radius of J, the Jacobian penalty; the
"running" BN policy makes simulation, f and probe one map; gradient accumulation over several
forwards equals separate steps; bad inputs are refused before any simulation."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from mpis.config import ModelConfig, SimulationConfig, SolverConfig
from mpis.equilibrium import spectral_radius
from mpis.models import build_model
from mpis.models.mpis_architecture import MPISArchitecture
from mpis.models.mpis_network import build_mpis_model

TINY = MPISArchitecture(in_channels=1, input_size=(6, 6), num_classes=3, streams=2, widths=(2, 3, 2), stem_channels=2)


def _tiny_mpis(hidden_bn="running", jacobian_reg=0.0, seed=0, time_steps=20):
    torch.manual_seed(seed)
    config = ModelConfig(preset="mpis_digits", hidden_bn=hidden_bn, jacobian_reg=jacobian_reg,
                         simulation=SimulationConfig(time_steps=time_steps),
                         backward=SolverConfig(max_iter=100, tol=1e-12))
    model = build_mpis_model(config, TINY).double()
    images = torch.rand(12, 1, 6, 6, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64) * 3
    model.calibrate_batch_norm(images[:8])
    return model.train(), images[8:]


def _dense_jacobian_blocks(probe, point):
    """J_b = d f(a)_b / d a_b per sample, and the largest cross-sample entry (0 if block-diagonal)."""
    full = torch.autograd.functional.jacobian(probe, point)  # (B, D, B, D)
    batch = point.shape[0]
    blocks = torch.stack([full[b, :, b, :] for b in range(batch)])
    off = max((full[b, :, c, :].abs().max().item() for b in range(batch) for c in range(batch) if b != c), default=0.0)
    return blocks, off


def test_fixed_point_residual_is_that_of_the_simulated_map_per_stream_and_joint():
    model, x = _tiny_mpis()
    output = model(x)
    equilibrium = output.equilibrium
    a = equilibrium.point
    with torch.no_grad():
        image = equilibrium.probe(a)  # f with the statistics the simulation used
    sizes = equilibrium.stream_sizes
    parts = [(image - a).split(sizes, dim=1), a.split(sizes, dim=1)]
    expected = [((image - a).norm() / a.norm()).item()] + [(d.norm() / s.norm()).item() for d, s in zip(*parts)]
    assert equilibrium.residuals().tolist() == pytest.approx(expected, rel=1e-10)
    assert len(sizes) == 2 and all(r > 0 for r in expected)


def test_with_batch_statistics_the_residual_is_measured_on_the_training_f_another_map():
    model, x = _tiny_mpis(hidden_bn="batch")
    equilibrium = model(x).equilibrium
    a = equilibrium.point
    with torch.no_grad():
        probe_residual = ((equilibrium.probe(a) - a).norm() / a.norm()).item()
        training_residual = ((equilibrium.image - a).norm() / a.norm()).item()
    assert equilibrium.residuals()[0].item() == pytest.approx(training_residual, rel=1e-10)
    assert abs(training_residual - probe_residual) > 1e-3


def test_spectral_radius_estimate_matches_the_eigenvalues_of_the_dense_jacobian():
    model, x = _tiny_mpis()
    equilibrium = model(x).equilibrium
    blocks, off_diagonal = _dense_jacobian_blocks(equilibrium.probe, equilibrium.point)
    assert off_diagonal == 0.0  # running statistics: no sample's f depends on another's rates
    exact = torch.linalg.eigvals(blocks).abs().max(dim=1).values
    estimate = equilibrium.spectral_radius(iterations=200)
    assert exact.max() > 0.05
    torch.testing.assert_close(estimate, exact, rtol=0.03, atol=1e-6)


def test_spectral_radius_of_a_rotation_pair_and_a_scaled_map():
    """Complex dominant eigenvalues make the one-step growth oscillate; the averaged estimate does not."""
    angle = torch.tensor(0.7, dtype=torch.float64)
    rotation = 0.9 * torch.stack([torch.stack([angle.cos(), -angle.sin()]), torch.stack([angle.sin(), angle.cos()])])
    matrix = torch.block_diag(rotation, torch.tensor([[0.3]], dtype=torch.float64))
    like = torch.zeros(5, 3, dtype=torch.float64)
    estimate = spectral_radius(lambda v: v @ matrix, like, iterations=60)
    torch.testing.assert_close(estimate, torch.full((5,), 0.9, dtype=torch.float64), rtol=1e-3, atol=0)


def test_jacobian_penalty_is_the_hutchinson_estimate_of_the_frobenius_norm_and_trains():
    model, x = _tiny_mpis(jacobian_reg=1.0)
    output = model(x)
    equilibrium = output.equilibrium
    torch.manual_seed(5)
    penalty = equilibrium.jacobian_penalty()
    torch.manual_seed(5)
    eps = torch.randn_like(equilibrium.image)  # the probe vector the penalty drew
    blocks, _ = _dense_jacobian_blocks(equilibrium.probe, equilibrium.point)
    expected = torch.einsum("bi,bij->bj", eps, blocks).square().sum() / eps.numel()
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-9)
    frobenius = blocks.square().sum() / eps.numel()  # what the estimate is unbiased for
    assert 0 < frobenius.item() < 10 * penalty.item()
    (F.cross_entropy(output.logits, torch.tensor([0, 1, 2, 0])) + penalty).backward()
    weight = model.snn.streams[0].layers[0].op.weight
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def _accumulated_and_separate_gradients(build, batches, labels):
    grads = []
    for accumulate in (True, False):
        model = build()
        torch.manual_seed(7)  # the same dropout masks, drawn in the same order
        if accumulate:
            outputs = [model(x) for x in batches]  # both forwards before any backward
            sum(F.cross_entropy(o.logits, labels) for o in outputs).backward()
        else:
            for x in batches:
                F.cross_entropy(model(x).logits, labels).backward()
        grads.append({name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
    return grads


@pytest.mark.parametrize("preset", ["ide_digits_f64c5", "mpis_digits"])
def test_two_forwards_before_one_backward_give_the_gradients_of_two_separate_steps(preset):
    generator = torch.Generator().manual_seed(3)
    batches = [torch.rand(6, 1, 8, 8, generator=generator, dtype=torch.float64) * 2 for _ in range(2)]
    labels = torch.tensor([0, 1, 2, 3, 4, 5])

    def build():
        torch.manual_seed(0)
        model = build_model(ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=8),
                                        backward=SolverConfig(max_iter=60, tol=1e-12))).double()
        model.calibrate_batch_norm(batches[0])
        return model.train()

    accumulated, separate = _accumulated_and_separate_gradients(build, batches, labels)
    assert accumulated.keys() == separate.keys() and len(accumulated) > 5
    for name in accumulated:
        torch.testing.assert_close(accumulated[name], separate[name], rtol=1e-8, atol=1e-12, msg=name)


def test_a_wrongly_shaped_input_is_refused_before_any_simulation():
    model = build_model(ModelConfig(preset="mpis_fmnist", simulation=SimulationConfig(time_steps=4)))
    with pytest.raises(ValueError, match=r"input shape \(2, 1, 32, 32\) is invalid for preset 'mpis_fmnist'; "
                                         r"allowed: a batch of shape \(B, 1, 28, 28\)"):
        model(torch.zeros(2, 1, 32, 32))
    events = build_model(ModelConfig(preset="mpis_nmnist", simulation=SimulationConfig(time_steps=4)))
    with pytest.raises(ValueError, match=r"\(B, T, C, H, W\) event frames of shape \(B, 4, 2, 32, 32\)"):
        events(torch.zeros(2, 5, 2, 32, 32))


def test_event_input_stopped_early_is_simulated_and_differentiated_on_the_frames_it_used():
    """With forward_tol the simulation stops at step k < T; the spike-input BN statistics and the
    input of f then come from those k frames: the same as a model that was given only k frames."""
    config = ModelConfig(preset="ide_nmnist_f64c5", simulation=SimulationConfig(
        time_steps=12, forward_tol=0.3, forward_min_steps=3), backward=SolverConfig(max_iter=5))
    torch.manual_seed(0)
    model = build_model(config).train()
    frames = (torch.rand(2, 12, 2, 34, 34) < 0.2).float()
    torch.manual_seed(1)
    stopped = model(frames)
    used = stopped.simulation.steps
    assert 3 <= used < 12
    torch.manual_seed(0)
    model = build_model(config).train()
    twin = build_model(dataclasses.replace(config, simulation=SimulationConfig(time_steps=used))).train()
    twin.load_state_dict(model.state_dict())
    torch.manual_seed(1)
    given_k = twin(frames[:, :used])  # the same dropout masks, drawn in the same order
    torch.testing.assert_close(stopped.simulation.rates, given_k.simulation.rates)
    torch.testing.assert_close(stopped.equilibrium.image, given_k.equilibrium.image)
