"""convergence_traces: the fixed-point residual per step, one curve per stream; trained models from
checkpoints; the step changes beside them."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from analysis.convergence import (
    convergence_traces,
    curve_names,
    load_trained_model,
    model_config_of_trial,
    random_batch,
)
from analysis.study_error import StudyError
from mpis.config import ModelConfig, SimulationConfig
from mpis.models import build_model


def test_an_mpis_model_gives_one_curve_per_stream():
    traces = convergence_traces(ModelConfig(preset="mpis_digits"), time_steps=12, batch_size=2)
    assert list(traces.curves) == ["MulRes 1", "MulRes 2"] and list(traces.step_change) == ["MulRes 1", "MulRes 2"]
    assert all(len(curve) == 12 for curve in traces.curves.values()) and len(traces.joint) == 12
    assert all(len(curve) == 11 for curve in traces.step_change.values())


def test_traces_are_the_residual_of_the_simulation_of_the_same_model_and_batch():
    config = ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=20, forward_tol=0.5))
    batch = random_batch("ide_digits_f64c5", 20, 3, seed=1)
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=20))).eval()
    with torch.no_grad():
        simulation = model(batch).simulation
        state = model.snn.forward_state()
        image = model.snn.equivalent_map(simulation.rates, model.snn.input_currents(batch, state), 2.0, state)[0]
    residual = ((image - simulation.rates[0]).norm() / simulation.rates[0].norm()).item()
    traces = convergence_traces(config, batch, time_steps=20, seed=0)  # forward_tol is switched off
    assert list(traces.curves) == ["SingleRes"] and traces.curves["SingleRes"][-1] == pytest.approx(residual)
    assert traces.step_change["SingleRes"] == pytest.approx(simulation.stream_step_changes[0])
    assert traces.curves["SingleRes"][-1] < 0.5 * traces.curves["SingleRes"][2]  # the rate settles at f's fixed point
    assert "untrained" in traces.label


def test_a_given_trained_model_is_traced_with_its_weights_and_left_as_it_is():
    torch.manual_seed(3)
    model = build_model(ModelConfig(preset="ide_digits_f64c5"))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    traces = convergence_traces(ModelConfig(preset="ide_digits_f64c5"), time_steps=8, model=model, seed=0)
    fresh = convergence_traces(ModelConfig(preset="ide_digits_f64c5"), time_steps=8, seed=0)
    assert "trained" in traces.label and len(traces.curves["SingleRes"]) == 8
    assert traces.curves != fresh.curves  # the given weights were used, not the seed's
    assert model.config.simulation.time_steps == 30 and all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_checkpoint_written_by_fit_is_loaded_with_weights_only(tmp_path):
    from mpis.config import DataConfig, ExperimentConfig, TrainConfig
    from mpis.training import fit

    config = ExperimentConfig(model=ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=3)),
                              data=DataConfig(dataset="digits", batch_size=64, limit_train=64, limit_test=20),
                              train=TrainConfig(epochs=1), seed=0)
    fit(config, checkpoint_root=str(tmp_path))
    loaded_config, model = load_trained_model(tmp_path / "epoch_0001")
    assert loaded_config == config.model
    traces = convergence_traces(loaded_config, time_steps=6, model=model)
    assert len(traces.curves["SingleRes"]) == 6
    with pytest.raises(StudyError, match="holds no checkpoint.pt"):
        load_trained_model(tmp_path)


def test_event_presets_get_event_frames():
    batch = random_batch("mpis_nmnist", 7, 2)
    assert batch.shape == (2, 7, 2, 32, 32) and set(batch.unique().tolist()) <= {0.0, 1.0}
    assert curve_names(1) == ["SingleRes"] and curve_names(3) == ["MulRes 1", "MulRes 2", "MulRes 3"]


def test_model_config_of_a_trial_row():
    row = pd.Series({"trial_id": "x", "model.preset": "ide_digits_f64c5", "model.neuron.leak": 0.95,
                     "model.simulation.time_steps": 7.0, "model.streams": float("nan"), "train.epochs": 3})
    config = model_config_of_trial(row)
    assert (config.preset, config.neuron.leak, config.simulation.time_steps) == ("ide_digits_f64c5", 0.95, 7)
    assert model_config_of_trial(pd.concat([row, pd.Series({"model.spectral_bound": float("nan")})])).spectral_bound is None
    with pytest.raises(StudyError, match="trial x has a model config"):
        model_config_of_trial(pd.concat([row.drop("model.preset"), pd.Series({"model.preset": "no_such"})]))
