"""convergence_traces: one curve per stream, T - 1 values each, as the model's own simulation records."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from analysis.convergence import convergence_traces, curve_names, model_config_of_trial, random_batch
from analysis.study_error import StudyError
from mpis.config import ModelConfig, SimulationConfig
from mpis.models import build_model


def test_an_mpis_model_gives_one_curve_per_stream():
    traces = convergence_traces(ModelConfig(preset="mpis_digits"), time_steps=12, batch_size=2)
    assert list(traces.curves) == ["MulRes 1", "MulRes 2"]
    assert all(len(curve) == 11 for curve in traces.curves.values()) and len(traces.joint) == 11


def test_traces_equal_the_simulation_of_the_same_model_and_batch():
    config = ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=20, forward_tol=0.5))
    batch = random_batch("ide_digits_f64c5", 20, 3, seed=1)
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=20)))
    model.eval()
    with torch.no_grad():
        expected = model(batch).simulation.stream_traces[0]
    traces = convergence_traces(config, batch, time_steps=20, seed=0)  # forward_tol is switched off
    assert list(traces.curves) == ["SingleRes"] and traces.curves["SingleRes"] == pytest.approx(expected)
    assert traces.curves["SingleRes"][-1] < traces.curves["SingleRes"][0]  # the rate settles
    assert "untrained" in traces.label


def test_a_given_trained_model_is_traced_as_it_is():
    model = build_model(ModelConfig(preset="ide_digits_f64c5"))
    traces = convergence_traces(ModelConfig(preset="ide_digits_f64c5"), time_steps=8, model=model)
    assert "trained" in traces.label and len(traces.curves["SingleRes"]) == 7


def test_event_presets_get_event_frames():
    batch = random_batch("mpis_nmnist", 7, 2)
    assert batch.shape == (2, 7, 2, 32, 32) and set(batch.unique().tolist()) <= {0.0, 1.0}
    assert curve_names(1) == ["SingleRes"] and curve_names(3) == ["MulRes 1", "MulRes 2", "MulRes 3"]


def test_model_config_of_a_trial_row():
    row = pd.Series({"trial_id": "x", "model.preset": "ide_digits_f64c5", "model.neuron.leak": 0.95,
                     "model.simulation.time_steps": 7.0, "model.streams": float("nan"), "train.epochs": 3})
    config = model_config_of_trial(row)
    assert (config.preset, config.neuron.leak, config.simulation.time_steps) == ("ide_digits_f64c5", 0.95, 7)
    with pytest.raises(StudyError, match="trial x has a model config"):
        model_config_of_trial(pd.concat([row.drop("model.preset"), pd.Series({"model.preset": "no_such"})]))
