"""The backbone: window schedule fixed at construction, no hidden state between forwards or models."""

import pytest
import torch

from mpis.models.gsnn import (
    GSNNConfig,
    GSNNNet,
    build_gsnn,
    gsnn_config,
    stage_map_sizes,
    window_schedule,
)

R, D = "regular", "dilated"


def test_release_schedule_alternates_and_keeps_the_last_stage_regular():
    config = GSNNConfig()
    assert stage_map_sizes(config) == (16, 8, 4, 2)
    assert window_schedule(config) == ((R, D), (R, D), (R, D, R, D, R, D), (R, R))


def test_schedule_counts_blocks_over_the_whole_network():
    config = gsnn_config("gsnn_digits_cnn", {"depths": (3, 1, 2)})
    assert window_schedule(config) == ((R, D, R), (D,), (R, R))
    dilated = gsnn_config("gsnn_digits_cnn", {"window_schedule": "always_dilated"})
    assert window_schedule(dilated) == ((D, D), (D, D), (R, R))  # the 2x2 last stage stays regular
    regular = gsnn_config("gsnn_digits_cnn", {"window_schedule": "always_regular"})
    assert window_schedule(regular) == ((R, R), (R, R), (R, R))


def test_window_ratio_is_validated_when_the_network_is_built():
    GSNNNet(gsnn_config("gsnn_digits_cnn", {"window_ratio": 0.625, "depths": (2, 1, 1)}))  # 8 -> M = 5
    with pytest.raises(ValueError, match="window_ratio"):
        GSNNNet(gsnn_config("gsnn_digits_cnn", {"window_ratio": 0.625}))  # the 4x4 map: M = 2.5
    with pytest.raises(ValueError, match="regular windows"):
        GSNNNet(gsnn_config("gsnn_digits_cnn", {"dims": (16, 32, 64, 128), "depths": (1, 1, 1, 1)}))  # 1x1


def _neurons_per_block(output):
    return {name: count.neurons for name, count in output.spike_counts.items()}


def test_forward_passes_use_the_built_schedule_and_repeat_exactly():
    model = build_gsnn("gsnn_digits_lstm", {"encoder": "direct", "depths": (2, 1, 2)})  # odd: 5 blocks
    x = torch.rand(3, 1, 8, 8)
    first, second = model(x), model(x)
    torch.testing.assert_close(first.logits, second.logits)
    assert _neurons_per_block(first) == _neurons_per_block(second)
    channels = {0: 32, 1: 64, 2: 128}  # bidirectional LSTM: 2 x dims
    for i, stage in enumerate(model.window_kinds()):
        side = stage_map_sizes(model.config)[i]
        for j, kind in enumerate(stage):
            window = side // 2 if kind == R else 3 * side // 4
            assert first.spike_counts[f"stage{i}.block{j}.lif"].neurons == 3 * 4 * window ** 2 * channels[i]
    assert model.window_kinds() == window_schedule(model.config)


def test_two_models_in_one_process_do_not_interfere():
    torch.manual_seed(0)
    a = build_gsnn("gsnn_digits_lstm", {"encoder": "direct"})
    torch.nn.init.normal_(a.head.weight)
    x = torch.rand(2, 1, 8, 8)
    alone = a(x)
    b = build_gsnn("gsnn_digits_lstm", {"encoder": "direct", "depths": (1, 2, 2)})  # odd: 5 blocks
    b(torch.rand(5, 1, 8, 8))
    c = build_gsnn("gsnn_digits_cnn", {"window_schedule": "always_dilated"})
    c(torch.rand(1, 1, 8, 8))
    again = a(x)
    torch.testing.assert_close(again.logits, alone.logits)
    assert _neurons_per_block(again) == _neurons_per_block(alone)


def test_a_passed_generator_makes_the_bernoulli_encoder_reproducible():
    model = build_gsnn("gsnn_digits_cnn")
    torch.nn.init.normal_(model.head.weight)
    x = torch.rand(2, 1, 8, 8)
    first = model(x, torch.Generator().manual_seed(4)).logits
    torch.testing.assert_close(model(x, torch.Generator().manual_seed(4)).logits, first)
    assert not torch.allclose(model(x, torch.Generator().manual_seed(5)).logits, first)


def test_release_head_starts_at_zero_and_bad_inputs_are_refused():
    model = build_gsnn("gsnn_digits_cnn")
    assert (model(torch.rand(2, 1, 8, 8)).logits == 0).all()
    with pytest.raises(ValueError, match="input shape"):
        model(torch.rand(2, 3, 8, 8))


def test_spike_counts_name_every_lif_layer_and_encoder():
    output = build_gsnn("gsnn_digits_cnn")(torch.rand(2, 1, 8, 8))
    assert len(output.spike_counts) == 6 * 3  # blocks x (encoder, lif1, lif2)
    assert {name.rsplit(".", 1)[1] for name in output.spike_counts} == {"encoder", "lif1", "lif2"}
    direct = build_gsnn("gsnn_digits_cnn", {"encoder": "direct"})(torch.rand(2, 1, 8, 8))
    assert not any(name.endswith("encoder") for name in direct.spike_counts)
