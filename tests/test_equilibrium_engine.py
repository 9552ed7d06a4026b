"""Simulation, BatchNorm policy, spectral norm, dropout masks and memory (issue 2, tests 12c-12f)."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.training_step import saved_tensor_bytes
from mpis.config import DataConfig, ModelConfig, NeuronConfig, SimulationConfig, SolverConfig
from mpis.models import PRESETS, build_model, count_parameters
from mpis.registries import check_names, registered_names
from mpis.snn.feedback_snn import FeedbackSNN, FeedbackStream
from mpis.snn.simulation import simulate
from mpis.snn.synaptic_module import BNStats, SynapticModule


def _config(preset="ide_digits_f64c5", time_steps=20, **model):
    return ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=time_steps), **model)


def _digits_batch(batch=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 8, 8, generator=generator), torch.arange(batch) % 10


def test_simulated_rates_approach_the_fixed_point_of_f_as_t_grows():
    torch.manual_seed(0)
    model = build_model(_config(dropout=0.0)).double().eval()
    x = _digits_batch()[0].double()
    state = model.snn.forward_state()
    with torch.no_grad():
        currents = model.snn.input_currents(x, state)
        a_star = torch.zeros_like(currents[0])
        for _ in range(300):
            a_star = model.snn.equivalent_map([a_star], currents, 2.0, state)[0]

        def residual(steps):
            sim = simulate(model.snn, lambda k: currents, state=state, neuron=NeuronConfig(),
                           simulation=SimulationConfig(time_steps=steps))
            return ((sim.rates[0] - a_star).norm() / a_star.norm()).item()

        assert a_star.norm() > 0
        assert residual(200) < 0.3 * residual(20)


def test_simulation_runs_exactly_t_steps_by_default_and_stops_early_with_forward_tol():
    model = build_model(_config(time_steps=60)).eval()
    x = _digits_batch()[0]
    with torch.no_grad():
        assert model(x).simulation.steps == 60
        early = build_model(ModelConfig(
            preset="ide_digits_f64c5",
            simulation=SimulationConfig(time_steps=60, forward_tol=0.05, forward_min_steps=5))).eval()
        early.load_state_dict(model.state_dict())
        sim = early(x).simulation
    assert 5 <= sim.steps < 60 and sim.step_change[-1] < 0.05
    assert all(t >= 0.05 for t in sim.step_change[3:-1])  # it stopped at the first step below tol (after min)


def test_batchnorm_running_statistics_change_exactly_once_per_training_step():
    torch.manual_seed(0)
    model = build_model(_config("ide_cifar10_alexnetf", time_steps=3)).train()
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([0, 1])
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in norms]
    F.cross_entropy(model(x).logits, y).backward()
    assert len(norms) == 5 and all(m.num_batches_tracked.item() == 1 for m in norms)
    assert all(not torch.equal(m.running_mean, b) for m, b in zip(norms, before))


def test_eval_mode_is_deterministic():
    model = build_model(_config(time_steps=10)).eval()
    x = _digits_batch()[0]
    with torch.no_grad():
        assert torch.equal(model(x).logits, model(x).logits)


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


def test_memory_saved_for_backward_does_not_grow_with_t():
    torch.manual_seed(0)
    x, y = _digits_batch()
    sizes = []
    for steps in (5, 50):
        model = build_model(_config(time_steps=steps)).train()
        sizes.append(saved_tensor_bytes(model, x, y))
    assert sizes[0] > 0 and sizes[0] == sizes[1]


def test_bptt_memory_grows_with_t_so_the_measurement_can_tell():
    x, y = _digits_batch()
    sizes = [saved_tensor_bytes(build_model(_config(time_steps=t, gradient="bptt")).train(), x, y)
             for t in (5, 25, 45)]
    assert sizes[1] - sizes[0] > 0
    assert sizes[2] - sizes[1] == pytest.approx(sizes[1] - sizes[0], rel=0.01)  # linear in T


@pytest.mark.parametrize("preset, expected", [
    ("ide_mnist_f64c5", 229_643), ("ide_fmnist_f400", 478_811), ("ide_nmnist_f64c5", 290_763),
    ("ide_cifar10_alexnetf", 3_709_515), ("ide_cifar100_alexnetf", 5_184_165),
    ("ide_cifar10_cifarnetf", 11_840_011), ("ide_cifar100_cifarnetf", 14_789_221)])
def test_ide_parameter_counts_match_the_paper(preset, expected):
    assert count_parameters(build_model(ModelConfig(preset=preset))) == expected


@pytest.mark.parametrize("preset, expected", [
    ("ide_mnist_f64c5", 13_338), ("ide_fmnist_f400", 1_194), ("ide_nmnist_f64c5", 20_818),
    ("ide_cifar10_alexnetf", 158_730), ("ide_cifar10_cifarnetf", 232_458)])
def test_ide_neuron_counts_match_the_paper(preset, expected):
    spec = PRESETS[preset]
    model = build_model(ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=1))).eval()
    shape = (1, 1, *spec.input_shape) if spec.events else (1, *spec.input_shape)
    with torch.no_grad():
        sim = model(torch.zeros(shape)).simulation
    spiking = sum(sum(layer) for layer in sim.layer_neurons)
    assert torch.Size(spec.input_shape).numel() + spiking + spec.num_classes == expected


def test_one_stream_fusion_free_network_is_a_plain_feedback_snn():
    snn = FeedbackSNN([FeedbackStream(SynapticModule(nn.Linear(2, 3), batch_norm=False, dropout=0.0), [],
                                      None)])
    currents = [torch.ones(1, 3)]
    assert snn.fuse(currents, snn.forward_state()) is currents


@pytest.mark.parametrize("build, argument", [
    (lambda: check_names(ModelConfig(preset="resnet50")), "preset"),
    (lambda: check_names(ModelConfig(backward=SolverConfig(name="newton"))), "solver"),
    (lambda: check_names(ModelConfig(surrogate="erf")), "surrogate"),
    (lambda: check_names(DataConfig(dataset="imagenet")), "dataset"),
    (lambda: build_model(ModelConfig(preset="resnet50")), "preset"),
    (lambda: SimulationConfig(time_steps=0), "time_steps"),
    (lambda: SimulationConfig(time_steps=10_001), "time_steps"),
    (lambda: NeuronConfig(v_threshold=float("inf")), "v_threshold"),
    (lambda: NeuronConfig(v_threshold=0.0), "v_threshold"),
    (lambda: NeuronConfig(leak=0.0), "leak"),
    (lambda: NeuronConfig(leak=1.01), "leak"),
    (lambda: SolverConfig(tol=-1e-3), "tol"),
    (lambda: SimulationConfig(forward_tol=-0.1), "forward_tol")])
def test_bad_config_raises_a_value_error_naming_argument_value_and_allowed(build, argument):
    """Types and ranges when the config is built; registry names by mpis.registries.check_names."""
    with pytest.raises(ValueError, match=rf"^{argument}=.* is invalid; allowed: "):
        build()


def test_configs_import_nothing_of_the_package_and_registries_own_the_names():
    import subprocess
    import sys

    probe = "import sys, mpis.config; print(sorted(m for m in sys.modules if m.startswith('mpis')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['mpis', 'mpis.config']"
    names = registered_names()
    assert names["preset"] == list(PRESETS) and "broyden" in names["solver"] and "digits" in names["dataset"]


def _identity_synapse(size, scale=1.0):
    module = SynapticModule(nn.Linear(size, size, bias=False), batch_norm=False, dropout=0.0)
    with torch.no_grad():
        module.op.weight.copy_(scale * torch.eye(size))
    return module


def test_event_frames_feed_one_per_step_feedforward_is_immediate_and_feedback_one_step_late():
    frames = torch.tensor([1.0, 0.0, 0.0, 0.0]).reshape(4, 1, 1)  # (T, B, D): one input spike at k = 0
    neuron = NeuronConfig(v_threshold=1.0, initial_potential=0.0)  # the papers' neuron: u starts at 0

    def run(feedback_scale):
        stream = FeedbackStream(_identity_synapse(1), [_identity_synapse(1)],
                                _identity_synapse(1, feedback_scale))
        snn = FeedbackSNN([stream])
        state = snn.forward_state()
        with torch.no_grad():
            return simulate(snn, lambda k: snn.input_currents(frames[k], state), state=state, neuron=neuron,
                            simulation=SimulationConfig(time_steps=4))

    silent, echo = run(0.5), run(1.0)
    # layer 2 fires in the same step as layer 1; with feedback 0.5 the echo never reaches V_th
    assert silent.spike_counts == [[1.0, 1.0]] and silent.rates[0].item() == 0.25
    # with feedback 1 the last layer's spike at k re-excites layer 1 at k + 1, every step
    assert echo.spike_counts == [[4.0, 4.0]] and echo.rates[0].item() == 1.0


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


def test_config_from_dict_restores_declared_types_and_rejects_unknown_keys():
    from mpis.config import ExperimentConfig
    from mpis.config_io import config_from_dict, config_to_flat_dict

    config = config_from_dict({"model.depth": 3.0, "model.streams": 2.0, "model.neuron.v_threshold": 2,
                               "model": {"simulation": {"time_steps": 30.0}}, "train.milestones": [5, 9]},
                              base=ExperimentConfig(model=ModelConfig(preset="mpis_digits")))
    assert (config.model.depth, config.model.streams, config.model.simulation.time_steps) == (3, 2, 30)
    assert type(config.model.depth) is int and type(config.model.neuron.v_threshold) is float
    assert config.train.milestones == (5, 9)
    assert config_from_dict(config_to_flat_dict(config), base=ExperimentConfig()) == config
    with pytest.raises(ValueError, match="has no field 'stream'"):
        config_from_dict({"model.stream": 2}, base=ExperimentConfig())
    with pytest.raises(ValueError, match="depth=2.5 is invalid"):
        ModelConfig(preset="mpis_digits", depth=2.5)


@pytest.mark.parametrize("initial_potential, low, high", [(0.0, 0.0, 1.0), (0.5, -0.5, 0.5)])
def test_initial_potential_half_threshold_rounds_the_rate_instead_of_truncating_it(initial_potential, low, high):
    """Constant current I in [0, V_th] for T steps: count = floor(T I / V_th + u_0 / V_th), so the rate
    truncates I / V_th (u_0 = 0, error in [0, 1/T)) or rounds it (u_0 = V_th / 2, error in [-1/2T, 1/2T])."""
    steps, v_threshold = 7, 2.0
    currents = torch.linspace(0.0, v_threshold, 301).reshape(1, -1)
    snn = FeedbackSNN([FeedbackStream(_identity_synapse(301), [], None)])
    neuron = NeuronConfig(v_threshold=v_threshold, initial_potential=initial_potential)
    with torch.no_grad():
        rate = simulate(snn, lambda k: [currents], state=snn.forward_state(), neuron=neuron,
                        simulation=SimulationConfig(time_steps=steps)).rates[0]
    error = (currents / v_threshold - rate) * steps  # in units of 1/T
    assert error.min() >= low - 1e-5 and error.max() <= high + 1e-5
    assert error.max() - error.min() > 0.9  # the whole interval is reached: the bound is tight
