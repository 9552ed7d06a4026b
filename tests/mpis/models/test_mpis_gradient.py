"""MPIS gradients: the implicit gradient of the joint fixed point of all streams."""

import functools
import math

import pytest
import torch
import torch.nn.functional as F

from mpis.config import ModelConfig, SimulationConfig, SolverConfig
from mpis.implicit import attach_implicit_gradient
from mpis.models.mpis_architecture import MPISArchitecture
from mpis.models.mpis_network import build_mpis_model
from mpis.snn.feedback_snn import pack, unpack
from mpis.solvers import bind_backward_solver

TINY = MPISArchitecture(in_channels=1, input_size=(6, 6), num_classes=3, streams=2, widths=(3, 4))



def _contractive_model(seed=0, weight_scale=2.0):
    """A tiny 2-stream, depth-2 MPIS in float64 and eval mode (every BN a fixed affine map, so the
    probe and f are the same map), with random BN statistics; f contracts by about 0.5 per step."""
    torch.manual_seed(seed)
    model = build_mpis_model(ModelConfig(preset="mpis_digits", dropout=0.0), TINY).double().eval()
    with torch.no_grad():
        for module in model.snn.synaptic_modules():
            module.op.weight.mul_(weight_scale)
            if module.bn is not None:
                module.bn.running_mean.uniform_(-0.3, 0.3)
                module.bn.running_var.uniform_(0.5, 2.0)
                module.bn.weight.uniform_(0.5, 1.5)
                module.bn.bias.uniform_(0.0, 1.5)
        model.snn.streams[1].input_module.current.uniform_(0.0, 2.0)
    return model


class _EquivalentMap:
    """``a -> f(a)`` on the packed joint rates of all streams, input currents computed with grad."""

    def __init__(self, model, x):
        self.snn, self.v_threshold = model.snn, model.config.neuron.v_threshold
        self.state = self.snn.forward_state()  # one forward's state for every evaluation of the test
        self.currents = self.snn.input_currents(x, self.state)
        self.like = self.snn.equivalent_map([None] * len(self.currents), self.currents, self.v_threshold, self.state)

    def __call__(self, a, detached_currents=False):
        currents = [c.detach() for c in self.currents] if detached_currents else self.currents
        return pack(self.snn.equivalent_map(unpack(a, self.like), currents, self.v_threshold, self.state))

    def fixed_point(self, iterations=200):
        with torch.no_grad():
            a = torch.zeros_like(pack(self.like))
            for _ in range(iterations):
                a = self(a)
        return a


def _setup(seed=0):
    model = _contractive_model(seed)
    x = torch.rand(3, 1, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * 3
    f = _EquivalentMap(model, x)
    weights = torch.randn(pack(f.like).shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    params = [p for p in model.snn.parameters() if p.requires_grad]
    return model, f, weights, params


def _relative_error(grads, reference):
    flat, flat_ref = torch.cat([g.flatten() for g in grads]), torch.cat([g.flatten() for g in reference])
    return ((flat - flat_ref).norm() / flat_ref.norm()).item()


def test_the_tiny_model_is_contractive_and_its_fixed_point_is_not_saturated():
    model, f, _, _ = _setup()
    a_star = f.fixed_point()
    with torch.no_grad():
        assert (f(a_star) - a_star).norm() < 1e-12
        between_bounds = (f(a_star) > 0) & (f(a_star) < 1)
    assert between_bounds.double().mean() > 0.3  # enough of the Jacobian is non-zero to matter
    assert model.snn.fusion is not None


def test_the_implicit_gradient_differs_from_the_one_step_gradient_here():
    """So the comparison with unrolled autograd can tell a correct adjoint solve from none."""
    _, f, weights, params = _setup()
    a_star = f.fixed_point()
    grads = {}
    for solver in ("neumann", "one_step"):
        solve = bind_backward_solver(SolverConfig(name=solver, max_iter=100, tol=1e-12))
        out, _ = attach_implicit_gradient(f(a_star), a_star, lambda z: f(z, detached_currents=True),
                                          solve, solver)
        grads[solver] = torch.autograd.grad((weights * out).sum(), params, retain_graph=True)
    assert _relative_error(grads["one_step"], grads["neumann"]) > 0.1


@functools.cache
def _unrolled_reference() -> list[torch.Tensor]:
    """d(w . a_300)/d(theta) by autograd through a_{k+1} = f(a_k), k < 300, from a_0 = 0."""
    _, f, weights, params = _setup()
    a = torch.zeros_like(pack(f.like))
    for _ in range(300):
        a = f(a)
    reference = torch.autograd.grad((weights * a).sum(), params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, reference)]


@pytest.mark.parametrize("solver", ["broyden", "anderson", "fixed_point", "neumann"])
def test_implicit_gradient_matches_autograd_through_300_unrolled_iterations_of_f(solver):
    reference = _unrolled_reference()
    model, f, weights, params = _setup()
    a_star = f.fixed_point()
    z_f = f(a_star)
    solve = bind_backward_solver(SolverConfig(name=solver, max_iter=100, tol=1e-12))
    out, record = attach_implicit_gradient(z_f, a_star, lambda z: f(z, detached_currents=True), solve, solver)
    grads = torch.autograd.grad((weights * out).sum(), params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

    assert torch.equal(out, a_star) and record.calls == 1
    assert _relative_error(grads, reference) < 1e-4
    fusion = [p for p in model.snn.fusion.parameters()]
    assert all(g.norm() > 0 for p, g in zip(params, grads) if any(p is q for q in fusion))


def test_one_step_gradient_is_backprop_through_one_application_of_f_at_the_fixed_point():
    _, f, weights, params = _setup()
    a_star = f.fixed_point()
    reference = torch.autograd.grad((weights * f(a_star)).sum(), params, allow_unused=True,
                                    retain_graph=True)
    solve = bind_backward_solver(SolverConfig(name="one_step"))
    out, record = attach_implicit_gradient(f(a_star), a_star, lambda z: f(z, detached_currents=True),
                                           solve, "one_step")
    grads = torch.autograd.grad((weights * out).sum(), params, allow_unused=True)
    for g, r in zip(grads, reference):
        assert (g is None and r is None) or torch.allclose(g, r, rtol=1e-12, atol=1e-14)
    assert record.steps == 0


@pytest.mark.parametrize("solver", ["broyden", "anderson", "fixed_point", "neumann", "one_step"])
def test_training_step_reports_backward_solver_steps_and_relative_residual(solver):
    torch.manual_seed(0)
    config = ModelConfig(preset="mpis_digits", simulation=SimulationConfig(time_steps=8),
                         backward=SolverConfig(name=solver, max_iter=12, tol=1e-6))
    model = build_mpis_model(config, TINY).train()
    x, y = torch.rand(4, 1, 6, 6) * 3, torch.tensor([0, 1, 2, 0])
    output = model(x)
    assert output.backward is not None and output.backward.calls == 0
    F.cross_entropy(output.logits, y).backward()
    record = output.backward
    assert record.solver == solver and record.calls == 1
    if solver == "one_step":
        assert record.steps == 0 and math.isnan(record.relative_residual)
    else:
        assert 1 <= record.steps <= 12 and len(record.residual_trace) >= 1
        assert record.relative_residual == record.residual_trace[-1] < 1.0
    assert all(p.grad is not None for p in model.parameters())
