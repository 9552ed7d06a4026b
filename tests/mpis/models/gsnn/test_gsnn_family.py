"""The gsnn family as model presets: ModelConfig fields it reads and refuses, its release defaults,
and the trainer's view of its spikes (one stream of LIF layers)."""

import dataclasses

import pytest
import torch

from mpis.config import DataConfig, ExperimentConfig, GSNNOptions, ModelConfig, NeuronConfig, SimulationConfig
from mpis.models import PRESETS, build_model, count_parameters, with_preset_defaults
from mpis.models.gsnn import GSNN_PRESETS, build_gsnn
from mpis.models.gsnn_family import network_config, option_applies
from mpis.training.compatibility import check_preset_fits_dataset


def gsnn_model_config(preset="gsnn_digits_cnn", **changes) -> ModelConfig:
    return dataclasses.replace(with_preset_defaults(ExperimentConfig(), preset).model, **changes)


def test_every_gsnn_preset_is_a_model_preset_of_family_gsnn_with_its_input_shape():
    for name, network in GSNN_PRESETS.items():
        preset = PRESETS[name]
        assert preset.family == "gsnn" and preset.num_classes == network.num_classes
        assert preset.input_shape == (network.in_channels, network.input_size, network.input_size)


def test_the_defaults_are_the_release_and_build_the_same_network_as_the_core():
    config = gsnn_model_config("gsnn_fmnist_cnn")
    assert (config.gradient, config.surrogate, config.simulation.time_steps) == ("bptt", "rectangle", 1)
    assert (config.neuron.v_threshold, config.neuron.leak, config.dropout) == (0.5, 0.4, 0.0)
    assert network_config(config) == dataclasses.replace(GSNN_PRESETS["gsnn_fmnist_cnn"], window_ratio_fallback=0.75)
    assert count_parameters(build_model(config)) == sum(p.numel() for p in build_gsnn("gsnn_fmnist_cnn").parameters())
    defaults = with_preset_defaults(ExperimentConfig(), "gsnn_fmnist_cnn")
    assert defaults.data.pad_to == 32 and defaults.train.gradient_clip == 20.0
    assert defaults.model.gsnn.window_ratio_fallback == 0.75
    assert with_preset_defaults(ExperimentConfig(), "gsnn_digits_cnn").data.pad_to is None


def test_shared_fields_and_options_reach_the_network():
    config = gsnn_model_config(neuron=NeuronConfig(v_threshold=1.0, leak=0.6, initial_potential=0.0),
                               simulation=SimulationConfig(time_steps=2), dropout=0.1,
                               gsnn=GSNNOptions(cell="gru", bidirectional=False, fusion_mode="product", theta=0.7,
                                                region_threshold=0.3, region_fill="zero", encoder="direct",
                                                depths=(1, 1, 1)))
    network = network_config(config)
    assert (network.time_steps, network.v_threshold, network.decay, network.dropout) == (2, 1.0, 0.6, 0.1)
    assert (network.cell, network.bidirectional, network.fusion_mode, network.theta) == ("gru", False, "product", 0.7)
    assert (network.region_threshold, network.region_fill, network.encoder, network.depths) == (0.3, "zero", "direct",
                                                                                               (1, 1, 1))
    off = network_config(gsnn_model_config("gsnn_cifar100_cnn", gsnn=GSNNOptions(region_threshold="off")))
    assert GSNN_PRESETS["gsnn_cifar100_cnn"].region_threshold == 0.2 and off.region_threshold is None


REFUSED = {  # changes to a gsnn ModelConfig -> the argument the one-line error names
    "implicit gradient": (dict(gradient="implicit"), "gradient"),
    "sigmoid surrogate": (dict(surrogate="sigmoid"), "surrogate"),
    "forward tolerance": (dict(simulation=SimulationConfig(time_steps=1, forward_tol=1e-3)), "forward_tol"),
    "initial potential": (dict(neuron=NeuronConfig(v_threshold=0.5, leak=0.4, initial_potential=0.5)),
                          "initial_potential"),
    "jacobian penalty": (dict(jacobian_reg=0.1), "jacobian_reg"),
    "compiled time loop": (dict(compile="on"), "compile"),
    "MPIS streams": (dict(streams=2), "streams"),
    "unknown cell": (dict(gsnn=GSNNOptions(cell="transformer")), "cell"),
    "theta without trigonometric fusion": (dict(gsnn=GSNNOptions(fusion_mode="mean", theta=0.3)), "theta"),
    "bidirectional CNN": (dict(gsnn=GSNNOptions(bidirectional=False)), "bidirectional"),
    "ratio with regular windows": (dict(gsnn=GSNNOptions(window_schedule="always_regular", window_ratio=0.75)),
                                   "window_ratio"),
    "fill without threshold": (dict(gsnn=GSNNOptions(region_fill="zero")), "region_fill"),
    "ratio no map allows": (dict(gsnn=GSNNOptions(window_ratio=0.625, window_ratio_fallback=None)), "window_ratio"),
    "blocks and depths": (dict(gsnn=GSNNOptions(blocks=8, depths=(2, 2, 2), window_ratio_fallback=0.75)), "blocks"),
    "too few blocks": (dict(gsnn=GSNNOptions(blocks=4, window_ratio_fallback=0.75)), "blocks"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_what_the_family_does_not_have_is_refused_in_one_line_before_any_data(name):
    changes, argument = REFUSED[name]
    with pytest.raises(ValueError, match=f"^{argument}=") as error:
        check_preset_fits_dataset(gsnn_model_config(**changes), DataConfig(dataset="digits"))
    assert "\n" not in str(error.value)


def test_config_ranges_fail_when_the_options_are_built():
    for options, argument in [(dict(window_ratio=0.5), "window_ratio"), (dict(theta=-1.0), "theta"),
                              (dict(region_threshold="on"), "region_threshold"), (dict(depths=(2, 0)), "depths")]:
        with pytest.raises(ValueError, match=f"^{argument}="):
            GSNNOptions(**options)


def test_blocks_deepen_the_second_to_last_stage():
    network = network_config(gsnn_model_config(gsnn=GSNNOptions(blocks=9, window_ratio_fallback=0.75)))
    assert network.depths == (2, 5, 2)


def test_a_ratio_fallback_makes_a_ratio_usable_where_only_some_maps_allow_it():
    config = gsnn_model_config(gsnn=GSNNOptions(window_ratio=0.625, window_ratio_fallback=0.75))
    sides = [[b.mixer.geometry.window_size for b in stage] for stage in build_model(config).net.stages]
    assert sides == [[4, 5], [2, 3], [1, 1]]  # maps 8 (M = 5 at 0.625), 4 (fallback: M = 3), 2 (regular)


def test_conditional_options_apply_only_where_they_change_the_network():
    cnn, lstm = GSNN_PRESETS["gsnn_digits_cnn"], GSNN_PRESETS["gsnn_digits_lstm"]
    assert not option_applies("bidirectional", cnn) and option_applies("bidirectional", lstm)
    assert option_applies("theta", cnn) and not option_applies("theta", dataclasses.replace(cnn, fusion_mode="mean"))
    assert not option_applies("region_fill", cnn) and option_applies("cell", cnn)


def test_the_model_output_is_what_the_trainer_reads():
    torch.manual_seed(0)
    model = build_model(gsnn_model_config("gsnn_digits_lstm", simulation=SimulationConfig(time_steps=2)))
    output = model(torch.rand(5, 1, 8, 8))
    core = model.net(torch.rand(5, 1, 8, 8))
    lif_layers = [name for name in core.spike_counts if not name.endswith(".encoder")]
    simulation = output.simulation
    assert output.logits.shape == (5, 10) and simulation.steps == 2
    assert len(simulation.spike_counts[0]) == len(lif_layers) == 6  # 6 blocks, one LIF each
    expected = [core.spike_counts[name].neurons // (5 * 2) for name in lif_layers]
    assert simulation.layer_neurons == [expected]
    rates = simulation.layer_firing_rates()[0]
    assert rates == pytest.approx(simulation.rates[0][0].tolist()) and all(0 <= r <= 1 for r in rates)
    with pytest.raises(ValueError, match="input shape"):
        model(torch.rand(2, 1, 28, 28))
