"""Energy = the 45 nm constants x the operation counts, per sample and per layer."""

from __future__ import annotations

import math

import pytest
import torch

from mpis import metric_names as names
from mpis.config import ModelConfig, SimulationConfig, TrainConfig
from mpis.energy import ENERGY_PRESETS, energy_constants, energy_uj
from mpis.models import build_model
from mpis.training.epoch_metrics import operation_metrics
from mpis.training.evaluation import evaluate


def test_the_presets_are_horowitz_2014_and_the_config_accepts_exactly_them():
    assert (ENERGY_PRESETS["fp32"].mac_pj, ENERGY_PRESETS["fp32"].ac_pj) == (4.6, 0.9)
    assert (ENERGY_PRESETS["fp16"].mac_pj, ENERGY_PRESETS["fp16"].ac_pj) == (1.5, 0.4)
    assert (ENERGY_PRESETS["int8"].mac_pj, ENERGY_PRESETS["int8"].ac_pj) == (0.23, 0.03)
    for preset in ENERGY_PRESETS:
        assert TrainConfig(energy_preset=preset).energy_preset == preset
    with pytest.raises(ValueError, match="energy_preset='fp64' is invalid"):
        TrainConfig(energy_preset="fp64")
    with pytest.raises(ValueError, match="energy_preset='fp64' is invalid; allowed: fp32, fp16, int8"):
        energy_constants("fp64")


@pytest.mark.parametrize("preset", sorted(ENERGY_PRESETS))
def test_epoch_energy_is_the_constants_times_the_counts_of_the_test_pass(preset):
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="cnn_digits", gradient="bptt", simulation=SimulationConfig(time_steps=3)))
    images = 3.0 * torch.rand(10, 1, 8, 8)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.arange(10) % 10), batch_size=4)
    test = evaluate(model, loader, torch.device("cpu"))
    metrics = operation_metrics(test, preset)
    constants = ENERGY_PRESETS[preset]
    acs, macs = test.operations.synaptic_ops, test.operations.macs
    assert test.operations.samples == 10 and sum(acs.values()) > 0 and sum(macs.values()) > 0
    assert metrics[names.SYNAPTIC_OPS] == pytest.approx(sum(acs.values()) / 10)
    assert metrics[names.MACS] == pytest.approx(sum(macs.values()) / 10)
    expected = (constants.ac_pj * sum(acs.values()) + constants.mac_pj * sum(macs.values())) / 10 * 1e-6
    assert metrics[names.ENERGY_UJ] == pytest.approx(expected, rel=1e-12)
    ann = constants.mac_pj * sum(test.operations.ann_macs.values()) / 10 * 1e-6
    assert metrics[names.ANN_ENERGY_UJ] == pytest.approx(ann, rel=1e-12)
    assert metrics[names.ENERGY_RATIO] == pytest.approx(ann / expected, rel=1e-12)
    layers = [key[len(names.ENERGY_LAYER_PREFIX):] for key in metrics if key.startswith(names.ENERGY_LAYER_PREFIX)]
    assert layers == ["s0_l1", "s0_l2", "s0_l3", "head"]
    assert sum(metrics[names.ENERGY_LAYER_PREFIX + layer] for layer in layers) == pytest.approx(expected, rel=1e-12)
    assert metrics[names.ENERGY_LAYER_PREFIX + "s0_l2"] == pytest.approx(
        energy_uj(synaptic_ops=acs["s0_l2"] / 10, macs=0.0, preset=preset), rel=1e-12)


def test_a_model_that_is_not_counted_reports_nan():
    from mpis.training.evaluation import EvalTotals

    metrics = operation_metrics(EvalTotals())
    assert math.isnan(metrics[names.ENERGY_UJ]) and math.isnan(metrics[names.SYNAPTIC_OPS])
