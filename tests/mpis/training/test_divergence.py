"""Divergence stops a trial with TrainingDiverged saying what diverged and where; a failed backward
solve is never applied, is counted, and stops the trial only past the configured share of an epoch."""

import dataclasses
import math
import pickle

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from mpis import metric_names as names
from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
    SolverConfig,
    TrainConfig,
)
from mpis.models import build_model
from mpis.training import TrainingDiverged, fit
from mpis.training.divergence import (
    check_fallbacks,
    check_loss,
    check_parameters,
    check_rates,
    gradient_norm,
)
from mpis.training.train_epoch import train_one_epoch


def _expansive(solver="fixed_point", share=0.5):
    """V_th = 0.05 makes J = diag(sigma') W / V_th expansive (rho about 3): every adjoint solve fails."""
    return ExperimentConfig(
        model=ModelConfig(preset="ide_digits_f64c5", neuron=NeuronConfig(v_threshold=0.05),
                          simulation=SimulationConfig(time_steps=5),
                          backward=SolverConfig(name=solver, max_fallback_share=share)),
        data=DataConfig(dataset="digits", batch_size=64, limit_train=128, limit_test=50),
        train=TrainConfig(epochs=2), seed=0)


def test_failing_solves_are_replaced_counted_and_stop_the_trial_past_the_allowed_share():
    reported = []
    with pytest.raises(TrainingDiverged) as caught:
        fit(_expansive(share=0.5), lambda metrics, directory: reported.append(metrics))
    error = caught.value
    # 2 steps per epoch: the first failure (1 of 2) is allowed, the second (2 > 0.5 * 2) is not
    assert (error.what, error.epoch, error.step, error.value) == ("backward_fallbacks", 1, 2, 2) and reported == []
    assert str(error) == "training diverged: backward_fallbacks is 2 at epoch 1, step 2"


@pytest.mark.parametrize("solver", ["broyden", "fixed_point", "neumann"])
def test_with_every_failure_allowed_the_epoch_reports_its_fallbacks(solver):
    config = _expansive(solver, share=1.0)
    metrics = fit(dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=1))).history
    assert [epoch[names.BACKWARD_FALLBACKS] for epoch in metrics] == [2]
    assert all(epoch[names.BACKWARD_RESIDUAL] >= 1.0 or math.isnan(epoch[names.BACKWARD_RESIDUAL])
               for epoch in metrics)  # the failed solver's own residual is what is reported
    assert all(math.isfinite(epoch[names.TRAIN_LOSS]) for epoch in metrics)


def test_loss_and_rate_checks_name_the_quantity_epoch_and_step():
    with pytest.raises(TrainingDiverged, match=r"^training diverged: loss is nan at epoch 3, step 17$"):
        check_loss(float("nan"), 3, 17)
    with pytest.raises(TrainingDiverged, match=r"rate is inf at epoch 2, step 5") as caught:
        check_rates([torch.zeros(2, 3), torch.tensor([[0.5, float("inf")]])], 2, 5)
    assert caught.value.what == "rate"
    check_loss(1e6, 1, 1)
    check_rates([torch.rand(4, 10)], 1, 1)


def test_gradient_and_parameter_checks():
    layer = torch.nn.Linear(3, 2)
    layer(torch.ones(1, 3)).sum().backward()
    assert gradient_norm(layer, 1, 1) == pytest.approx(torch.cat([p.grad.flatten() for p in layer.parameters()]).norm().item())
    check_parameters(layer, 1, 1)
    layer.bias.grad[0] = math.inf
    with pytest.raises(TrainingDiverged, match="gradient is inf at epoch 2, step 3"):
        gradient_norm(layer, 2, 3)
    with torch.no_grad():
        layer.weight[1, 2] = math.nan
    with pytest.raises(TrainingDiverged, match="parameter is nan at epoch 4, step 1"):
        check_parameters(layer, 4, 1)
    check_fallbacks(5, 10, 0.5, 1, 9)
    with pytest.raises(TrainingDiverged, match="backward_fallbacks is 6 at epoch 1, step 10"):
        check_fallbacks(6, 10, 0.5, 1, 10)


def test_a_nan_weight_is_a_divergence_even_though_spikes_and_loss_stay_finite():
    """A NaN membrane never reaches V_th (no spike, finite rates and loss); the gradient shows it."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=5)))
    with torch.no_grad():
        model.snn.streams[0].input_module.op.weight[3, 0, 2, 2] = math.nan
    images = torch.rand(32, 1, 8, 8)
    loader = DataLoader(TensorDataset(images, torch.arange(32) % 10), batch_size=16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(TrainingDiverged) as caught:
        train_one_epoch(model, loader, optimizer, TrainConfig(epochs=1), epoch=1, first_iteration=0,
                        device=torch.device("cpu"))
    assert (caught.value.what, caught.value.epoch, caught.value.step) == ("gradient", 1, 1)


def test_the_exception_survives_pickling_for_ray_workers():
    error = pickle.loads(pickle.dumps(TrainingDiverged("loss", 2, 9, math.inf)))
    assert (error.what, error.epoch, error.step) == ("loss", 2, 9)
    assert str(error) == "training diverged: loss is inf at epoch 2, step 9"
