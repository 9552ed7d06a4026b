"""The implicit backward, float64.

At a fixed point a* = f(a*) of a small contractive single-layer model, every solver's parameter
gradient must equal (1) the analytic beta^T df/dtheta with beta = (I - J^T)^-1 dL/da and (2) autograd
through 300 unrolled iterations of f. ``one_step`` must equal the Jacobian-free gradient exactly.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mpis.config import ModelConfig, NeuronConfig, SimulationConfig, SolverConfig
from mpis.implicit import attach_implicit_gradient
from mpis.models.readout import LinearReadout
from mpis.models.spiking_model import SpikingModel
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream, pack
from mpis.snn.synaptic_module import SynapticModule
from mpis.solvers import SOLVERS, bind_backward_solver

V_THRESHOLD = 2.0


def _tiny_model(seed=0, batch_norm=False, dropout=0.0, solver=SolverConfig(), time_steps=20):
    torch.manual_seed(seed)
    config = ModelConfig(neuron=NeuronConfig(v_threshold=V_THRESHOLD), backward=solver, dropout=dropout,
                         simulation=SimulationConfig(time_steps=time_steps))
    layer_input = SynapticModule(nn.Linear(6, 5), batch_norm=batch_norm, dropout=dropout)
    feedback = SynapticModule(nn.Linear(5, 5, bias=False), batch_norm=False, dropout=dropout, spectral_bound=1.0)
    with torch.no_grad():
        layer_input.op.weight.mul_(3.0)  # drive the neurons into the unsaturated range
        layer_input.op.bias.uniform_(0.0, 1.0)
    snn = FeedbackSNN([FeedbackStream(layer_input, [], feedback)])
    model = SpikingModel(config, snn, LinearReadout(5, 3)).double()
    model.eval()
    return model


def _inputs(batch=4):
    generator = torch.Generator().manual_seed(1)
    return torch.rand(batch, 6, generator=generator, dtype=torch.float64), torch.tensor([0, 1, 2, 1][:batch])


def _f(model, currents, state):
    return lambda a: model.snn.equivalent_map([a], currents, V_THRESHOLD, state)[0]


def _fixed_point(f, like, iterations=500):
    a = torch.zeros_like(like)
    with torch.no_grad():
        for _ in range(iterations):
            a = f(a)
    return a


def _params(model):
    return [p for p in model.parameters() if p.requires_grad]


def _implicit_grads(model, x, y, solver, state):
    """Gradients at a* = f(a*), with the effective weights of one forward's ``state``."""
    currents = model.snn.input_currents(x, state)
    f = _f(model, currents, state)
    a_star = _fixed_point(f, currents[0])
    frozen = [c.detach() for c in currents]
    out, record = attach_implicit_gradient(
        pack([f(a_star)]), a_star, lambda z: _f(model, frozen, state)(z), bind_backward_solver(solver), solver.name)
    grads = torch.autograd.grad(F.cross_entropy(model.head([out]), y), _params(model), retain_graph=True)
    return grads, record, a_star


def _analytic_grads(model, y, a_point, currents, state, exact=True):
    """beta^T df/dtheta at ``a_point``, beta = (I - J^T)^-1 dL/da (or dL/da when not exact).

    J = diag(m) diag(mask) W / V_th with m = 1[0 <= pre <= 1] (clamp passes gradient on [0, 1]) and
    the feedback module's dropout mask (all ones without dropout).
    """
    a = a_point.clone().requires_grad_()
    beta = torch.autograd.grad(F.cross_entropy(model.head([a]), y), a)[0]
    feedback = model.snn.streams[0].feedback
    weight = state.weights[feedback].detach()
    drop = state.masks[feedback].detach() if feedback in state.masks else torch.ones_like(a_point)
    if exact:
        pre = ((a_point @ weight.T) * drop + currents[0].detach()) / V_THRESHOLD
        active = ((pre >= 0) & (pre <= 1)).double()
        jacobians = (active * drop)[:, :, None] * weight[None] / V_THRESHOLD  # (B, D, D)
        eye = torch.eye(a_point.shape[1], dtype=torch.float64)
        beta = torch.linalg.solve(eye - jacobians.transpose(1, 2), beta[:, :, None])[:, :, 0]
    f_value = model.snn.equivalent_map([a_point], currents, V_THRESHOLD, state)[0]
    body = torch.autograd.grad((beta * f_value).sum(), list(model.snn.parameters()), retain_graph=True)
    head = torch.autograd.grad(F.cross_entropy(model.head([a_point]), y), list(model.head.parameters()))
    return list(body) + list(head)


def _currents(model, x, state):
    return model.snn.input_currents(x, state)


def _unrolled_grads(model, x, y, state, iterations=300):
    currents = model.snn.input_currents(x, state)
    f, a = _f(model, currents, state), torch.zeros_like(currents[0])
    for _ in range(iterations):
        a = f(a)
    return torch.autograd.grad(F.cross_entropy(model.head([a]), y), _params(model), retain_graph=True)


def _relative_error(grads, reference):
    num = sum((g - r).square().sum() for g, r in zip(grads, reference))
    return (num / sum(r.square().sum() for r in reference)).sqrt().item()


@pytest.mark.parametrize("name", [n for n in SOLVERS if n != "one_step"])
def test_implicit_gradient_equals_analytic_and_unrolled(name):
    model = _tiny_model()
    x, y = _inputs()
    state = model.snn.forward_state()  # one forward's effective (spectral-normed) weights for the whole test
    grads, record, a_star = _implicit_grads(model, x, y, SolverConfig(name=name, max_iter=100, tol=1e-12), state)
    assert record.calls == 1 and record.relative_residual < 1e-10
    assert _relative_error(grads, _analytic_grads(model, y, a_star, _currents(model, x, state), state)) < 1e-4
    assert _relative_error(grads, _unrolled_grads(model, x, y, state)) < 1e-4


def test_jacobian_is_not_trivial_so_one_step_differs_from_exact():
    model = _tiny_model()
    x, y = _inputs()
    state = model.snn.forward_state()
    exact, _, a_star = _implicit_grads(model, x, y, SolverConfig(name="broyden", max_iter=100, tol=1e-12), state)
    one_step, _, _ = _implicit_grads(model, x, y, SolverConfig(name="one_step"), state)
    assert _relative_error(one_step, exact) > 1e-3
    assert _relative_error(one_step, _analytic_grads(model, y, a_star, _currents(model, x, state), state,
                                                     exact=False)) < 1e-12


@pytest.mark.parametrize("name", [n for n in SOLVERS if n != "one_step"])
def test_more_iterations_after_convergence_leave_parameter_grads_unchanged(name):
    model = _tiny_model()
    x, y = _inputs()
    state = model.snn.forward_state()
    short, _, _ = _implicit_grads(model, x, y, SolverConfig(name=name, max_iter=60, tol=0.0), state)
    long, record, _ = _implicit_grads(model, x, y, SolverConfig(name=name, max_iter=150, tol=0.0), state)
    assert record.steps == 150
    assert _relative_error(long, short) < 1e-10
    assert all(p.grad is None for p in model.parameters())  # solver VJPs never touch .grad


def test_model_gradient_is_beta_times_df_dtheta_at_the_simulated_rate_with_bn_and_dropout():
    """The full SpikingModel wiring in training mode: masks, BN modes and the probe line up."""
    model = _tiny_model(batch_norm=True, dropout=0.3,
                        solver=SolverConfig(name="broyden", max_iter=100, tol=1e-12)).train()
    x, y = _inputs()
    output = model(x)
    F.cross_entropy(output.logits, y).backward(retain_graph=True)  # the reference reuses W_eff
    model_grads = [p.grad.clone() for p in _params(model)]
    state, a_sim = output.equilibrium.state, output.simulation.rates[0]  # that forward's masks and weights
    model.zero_grad()
    currents = model.snn.input_currents(x, state)  # batch statistics, as in the model's f pass
    reference = _analytic_grads(model, y, a_sim, currents, state)
    assert output.backward.calls == 1
    assert _relative_error(model_grads, reference) < 1e-8
