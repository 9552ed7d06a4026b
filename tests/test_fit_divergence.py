"""Divergence stops a trial with TrainingDiverged saying what diverged and where (requirement 7)."""

import math
import pickle

import pytest
import torch

from mpis.config import DataConfig, ExperimentConfig, ModelConfig, NeuronConfig, SimulationConfig, SolverConfig, TrainConfig
from mpis.implicit import BackwardRecord
from mpis.training import TrainingDiverged, fit
from mpis.training.divergence import EXPLODED_BACKWARD_RESIDUAL, check_backward, check_loss, check_rates


def test_an_exploding_adjoint_iteration_stops_the_trial_at_its_first_step():
    """V_th = 0.05 makes J = diag(sigma') W / V_th expansive, so the fixed-point adjoint iteration blows up."""
    config = ExperimentConfig(
        model=ModelConfig(preset="ide_digits_f64c5", neuron=NeuronConfig(v_threshold=0.05),
                          simulation=SimulationConfig(time_steps=5), backward=SolverConfig(name="fixed_point")),
        data=DataConfig(dataset="digits", batch_size=64, limit_train=128, limit_test=50),
        train=TrainConfig(epochs=2), seed=0)
    reported = []
    with pytest.raises(TrainingDiverged) as caught:
        fit(config, lambda metrics, directory: reported.append(metrics))
    error = caught.value
    assert (error.what, error.epoch, error.step) == ("backward_residual", 1, 1) and reported == []
    assert not math.isfinite(error.value) or error.value > EXPLODED_BACKWARD_RESIDUAL
    assert str(error).startswith("training diverged: backward_residual is ") and str(error).endswith("at epoch 1, step 1")


def test_loss_and_rate_checks_name_the_quantity_epoch_and_step():
    with pytest.raises(TrainingDiverged, match=r"^training diverged: loss is nan at epoch 3, step 17$"):
        check_loss(float("nan"), 3, 17)
    with pytest.raises(TrainingDiverged, match=r"rate is inf at epoch 2, step 5") as caught:
        check_rates([torch.zeros(2, 3), torch.tensor([[0.5, float("inf")]])], 2, 5)
    assert caught.value.what == "rate"
    check_loss(1e6, 1, 1)
    check_rates([torch.rand(4, 10)], 1, 1)


def test_a_solver_that_measures_no_residual_is_not_divergence_but_a_nan_or_huge_residual_is():
    check_backward(None, 1, 1)  # BPTT
    check_backward(BackwardRecord("one_step", steps=0, relative_residual=math.nan), 1, 1)
    check_backward(BackwardRecord("broyden", steps=30, relative_residual=0.9), 1, 1)
    for residual in (math.nan, math.inf, 2 * EXPLODED_BACKWARD_RESIDUAL):
        with pytest.raises(TrainingDiverged) as caught:
            check_backward(BackwardRecord("fixed_point", steps=30, relative_residual=residual), 4, 2)
        assert (caught.value.what, caught.value.epoch, caught.value.step) == ("backward_residual", 4, 2)


def test_the_exception_survives_pickling_for_ray_workers():
    error = pickle.loads(pickle.dumps(TrainingDiverged("loss", 2, 9, math.inf)))
    assert (error.what, error.epoch, error.step, str(error)) == ("loss", 2, 9, "training diverged: loss is inf at epoch 2, step 9")
