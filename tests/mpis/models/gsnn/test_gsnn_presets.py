"""Presets: exact parameter counts against the release's module tree, CPU presets, overrides."""

from collections import Counter

import pytest
import torch
from torch import nn

from mpis.models.gsnn import (
    GSNN_PRESETS,
    build_gsnn,
    gsnn_config,
    release_parameter_count,
)

# (our model, the release's module tree) for the four release presets
EXACT_COUNTS = {
    "gsnn_cifar10_cnn": (13_885_402, 26_843_098),  # ptflops in the README screenshot: 26.84 M
    "gsnn_cifar10_lstm": (14_925_466, 30_630_298),  # ptflops: 30.63 M; thop (modules run only): 14.93 M
    "gsnn_cifar100_cnn": (13_920_052, 26_877_748),
    "gsnn_cifar100_lstm": (14_960_116, 30_664_948),
}
CPU_PRESETS = ["gsnn_fmnist_cnn", "gsnn_fmnist_lstm", "gsnn_digits_cnn", "gsnn_digits_lstm"]


def _release_tree(cell, num_classes, dims=(48, 96, 192, 384), depths=(2, 2, 6, 2)):
    """The modules ``Sequencer2D(sequencer2d_s)`` constructs at commit 31c9a7c (transcribed).

    Returns ``(tree, unused)``: every module, and those its forward never calls."""
    tree, unused = nn.ModuleDict({"stem": nn.Conv2d(3, dims[0], 2, 2)}), []
    for i, (d, depth) in enumerate(zip(dims, depths)):
        for j in range(depth):
            block = nn.ModuleDict({"fc1": nn.Linear(d, 3 * d), "fc2": nn.Linear(3 * d, d)})
            if cell == "cnn":  # layers_ecml_cnn_10/100.py: SNN2D -> BiSNN(forward_snn, backward_snn, conv)
                block.update({"norm1": nn.LayerNorm(d), "norm2": nn.LayerNorm(d), "fc": nn.Linear(d, d),
                              "f_conv1": nn.Conv2d(d, d, 3, padding=1), "f_conv2": nn.Conv2d(d, d, 3, padding=1),
                              "b_conv1": nn.Conv2d(d, d, 3, padding=1), "b_conv2": nn.Conv2d(d, d, 3, padding=1),
                              "conv": nn.Conv1d(d, 2 * d, 3, padding=1)})
                unused += [block[k] for k in ("norm1", "norm2", "b_conv1", "b_conv2", "conv")]
            else:  # layers_ecml_lstm_10.py: fc(2h -> h), lstm1 (bidirectional), down = PatchMerging(2d)
                block.update({"fc": nn.Linear(2 * d, d), "lstm1": nn.LSTM(d, d, bidirectional=True),
                              "down": nn.Linear(8 * d, 4 * d, bias=False)})
                if i == len(dims) - 1 or j < depth - 1:
                    unused.append(block["down"])
            tree[f"block{i}_{j}"] = block
        if i < len(dims) - 1:
            tree[f"merge{i}"] = nn.Linear(4 * d, 2 * d, bias=False)
    tree.update({"norm": nn.LayerNorm(dims[-1]), "head": nn.Linear(dims[-1], num_classes)})
    unused.append(tree["norm"])
    return tree, unused


def _shapes(modules):
    return Counter(tuple(p.shape) for m in modules for p in m.parameters())


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", sorted(EXACT_COUNTS))
def test_release_presets_have_the_exact_parameter_counts(name):
    ours, release = EXACT_COUNTS[name]
    model = build_gsnn(name)
    config = model.config
    with torch.device("meta"):  # shapes only: nothing allocated or initialised
        tree, unused = _release_tree(config.cell, config.num_classes)
    assert _count(model) == ours
    assert release_parameter_count(config) == release == _count(tree)
    # every weight we build is a weight of the release; what is left over is exactly its unused modules
    assert _shapes([tree]) - _shapes(unused) == _shapes([model])
    assert release - sum(_count(m) for m in unused) == ours


def test_release_counts_round_to_the_published_numbers():
    assert f"{EXACT_COUNTS['gsnn_cifar10_cnn'][1] / 1e6:.2f}" == "26.84"
    assert f"{EXACT_COUNTS['gsnn_cifar10_lstm'][1] / 1e6:.2f}" == "30.63"
    assert f"{EXACT_COUNTS['gsnn_cifar10_lstm'][0] / 1e6:.2f}" == "14.93"


def test_release_presets_follow_the_release_files():
    cnn10, cnn100 = GSNN_PRESETS["gsnn_cifar10_cnn"], GSNN_PRESETS["gsnn_cifar100_cnn"]
    assert (cnn10.fusion_mode, cnn10.theta, cnn10.region_threshold) == ("nested", 0.5, None)
    assert (cnn100.fusion_mode, cnn100.region_threshold, cnn100.region_fill) == ("mean", 0.2, "keep")
    for config in (cnn10, GSNN_PRESETS["gsnn_cifar10_lstm"]):
        assert (config.time_steps, config.decay, config.v_threshold, config.encoder) == (1, 0.4, 0.5, "bernoulli")
        assert (config.patch_size, config.dims, config.depths, config.mlp_ratio) == (
            2, (48, 96, 192, 384), (2, 2, 6, 2), 3.0)


@pytest.mark.parametrize("name", CPU_PRESETS)
def test_cpu_presets_run_forward_and_backward(name):
    torch.manual_seed(0)
    model = build_gsnn(name)
    config = model.config
    nn.init.normal_(model.head.weight, std=0.1)  # the release's head starts at zero: no gradient behind it
    x = torch.rand(4, config.in_channels, config.input_size, config.input_size)
    output = model(x)
    assert output.logits.shape == (4, config.num_classes)
    nn.functional.cross_entropy(output.logits, torch.arange(4)).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert model.stem.weight.grad.abs().sum() > 0
    rates = output.firing_rates()
    assert rates and all(0 <= r <= 1 for r in rates.values())
    assert 0 <= output.total_firing_rate() <= 1


def test_cpu_preset_shapes():
    assert (GSNN_PRESETS["gsnn_fmnist_cnn"].in_channels, GSNN_PRESETS["gsnn_fmnist_cnn"].input_size) == (1, 32)
    assert (GSNN_PRESETS["gsnn_digits_lstm"].in_channels, GSNN_PRESETS["gsnn_digits_lstm"].input_size) == (1, 8)


def test_overrides_are_applied_and_checked():
    config = gsnn_config("gsnn_digits_cnn", {"fusion_mode": "product", "dims": [8, 16, 32], "time_steps": 2})
    assert (config.fusion_mode, config.dims, config.time_steps) == ("product", (8, 16, 32), 2)
    with pytest.raises(ValueError, match="widths"):
        gsnn_config("gsnn_digits_cnn", {"widths": (8,)})
    with pytest.raises(ValueError, match="fusion_mode"):
        gsnn_config("gsnn_digits_cnn", {"fusion_mode": "max"})
    with pytest.raises(ValueError, match="depths"):
        gsnn_config("gsnn_digits_cnn", {"depths": (2, 2)})
    with pytest.raises(ValueError, match="gsnn preset"):
        gsnn_config("gsnn_imagenet_cnn")


def test_release_count_refuses_configs_without_a_release_counterpart():
    with pytest.raises(ValueError, match="no release counterpart"):
        release_parameter_count(gsnn_config("gsnn_digits_cnn", {"dims": (16, 16, 16)}))
