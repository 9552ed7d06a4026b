"""gsnn operation counts against brute-force counts from the inputs every op received."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from mpis.config import ModelConfig
from mpis.models.gsnn import gsnn_config
from mpis.models.gsnn_family import GSNNModel
from mpis.models.gsnn_operation_count import counting_gsnn_operations, gsnn_operation_roles
from mpis.training.epoch_metrics import operation_metrics
from mpis.training.evaluation import evaluate

DIMS = (2, 3, 4)  # tiny digits network: maps 8, 4, 2; 2 blocks per stage (dilated blocks 1 and 3)


def tiny(preset: str, **overrides) -> GSNNModel:
    torch.manual_seed(0)
    network = gsnn_config(preset, {"dims": DIMS, "mlp_ratio": 2.0, "v_threshold": 0.05, **overrides})
    model = GSNNModel(ModelConfig(preset=preset), network).eval()
    with torch.no_grad():  # positive tokens, so that the first stage's encoder and LIF layers fire
        model.net.stem.weight.abs_().add_(0.1)
    return model


def brute_conv_fan_out(op: nn.Conv2d, height: int, width: int) -> torch.Tensor:
    """Per input pixel: the outputs x kernel offsets it reaches (stride 1), by enumeration."""
    (kh, kw), (ph, pw) = op.kernel_size, op.padding
    fan = torch.zeros(height, width, dtype=torch.float64)
    for oy, ox, ky, kx in itertools.product(range(height), range(width), range(kh), range(kw)):
        y, x = oy - ph + ky, ox - pw + kx
        if 0 <= y < height and 0 <= x < width:
            fan[y, x] += op.out_channels
    return fan


def run(model: GSNNModel, batch: int = 3):
    """One counted forward with independent hooks recording every op's inputs."""
    seen: dict[nn.Module, list[torch.Tensor]] = {}
    roles = gsnn_operation_roles(model)
    handles = [role.op.register_forward_hook(lambda op, i, o: seen.setdefault(op, []).append(i[0].detach()))
               for role in roles]
    inputs = 3.0 * torch.rand(batch, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), counting_gsnn_operations(model) as tally:
        output = model.net(inputs)
    for handle in handles:
        handle.remove()
    return roles, seen, output, tally.finish(batch)


def linear_macs(op: nn.Linear, x: torch.Tensor) -> float:
    return x.numel() // op.in_features * op.in_features * op.out_features


def test_cnn_cell_counts_equal_a_brute_force_count():
    model = tiny("gsnn_digits_cnn", time_steps=2)
    roles, seen, output, counts = run(model)
    acs, macs = dict.fromkeys(counts.synaptic_ops, 0.0), dict.fromkeys(counts.macs, 0.0)
    spikes = {name: float(c.spikes) for name, c in output.spike_counts.items()}
    lif2 = iter(name for name in spikes if name.endswith("lif2"))
    for role in roles:
        calls, op = seen[role.op], role.op
        if role.kind in ("cell_input", "spikes"):  # 4 windows x 2 sweeps, spikes (Bernoulli or LIF) x fan-out
            assert len(calls) == 8 and all(set(x.unique().tolist()) <= {0.0, 1.0} for x in calls)
            fan = brute_conv_fan_out(op, *calls[0].shape[2:])
            acs[role.layer] += sum(float((x.double().sum((0, 1)) * fan).sum()) for x in calls)
        elif role.kind == "rate":  # no region threshold: each lif2 spike reaches out_features targets
            acs[role.layer] += spikes[next(lif2)] * op.out_features
        elif isinstance(op, nn.Conv2d):  # the stem: 1x1 conv, 1 -> 2 channels on 8x8, once
            macs[role.layer] += 3 * 64 * DIMS[0]
        else:
            macs[role.layer] += linear_macs(op, calls[0])
    assert counts.synaptic_ops == pytest.approx(acs, rel=1e-12) and counts.macs == macs
    assert min(spikes.values()) > 0 and min(acs[key] for key in acs if key.startswith("s0")) > 0  # not trivially zero
    assert counts.synaptic_ops["stem"] == counts.synaptic_ops["head"] == 0
    assert counts.macs["head"] == 3 * DIMS[-1] * 10 and len(counts.synaptic_ops) == 12 + 2


def test_recurrent_cell_counts_spike_input_as_acs_and_the_hidden_state_as_macs():
    model = tiny("gsnn_digits_lstm", time_steps=2)
    roles, seen, output, counts = run(model)
    for role in (r for r in roles if r.kind == "cell_input"):
        calls, h = seen[role.op], role.op.hidden_size
        block = role.layer  # one LIF layer per block: s0_l<k> is block k
        encoder = [name for name in output.spike_counts if name.endswith("encoder")][int(block[4:]) - 1]
        assert float(output.spike_counts[encoder].spikes) == sum(float(x.sum()) for x in calls) > 0
        # 4 gates x h x 2 directions per input spike; the recurrent W_hh h: 4h x h MACs per token and direction
        assert counts.synaptic_ops[block] == pytest.approx(
            float(output.spike_counts[encoder].spikes) * 4 * h * 2 + spikes_into_fc(output, roles, block), rel=1e-12)
        tokens = sum(x.shape[0] * x.shape[1] for x in calls)
        analog = sum(linear_macs(r.op, seen[r.op][0]) for r in roles if r.layer == block and r.kind == "analog")
        assert counts.macs[block] == tokens * 2 * 4 * h * h + analog
        assert counts.ann_macs[block] >= tokens / 2 * 2 * 4 * h * (h + role.op.input_size)


def spikes_into_fc(output, roles, block: str) -> float:
    fc = next(r.op for r in roles if r.layer == block and r.kind == "rate")
    lif = [name for name in output.spike_counts if name.endswith(".lif")][int(block[4:]) - 1]
    return float(output.spike_counts[lif].spikes) * fc.out_features


def test_direct_encoding_counts_the_first_conv_once_as_macs():
    steps = 3
    model = tiny("gsnn_digits_cnn", time_steps=steps, encoder="direct")
    roles, seen, _, counts = run(model)
    first = next(r for r in roles if r.kind == "cell_input")
    calls = seen[first.op]
    assert len(calls) == 4 * steps
    # the same analog window at every sweep: conv1 is 4 windows x (B x 2 x 4 x 4 outputs x 2 x 9), once
    assert counts.macs["s0_l1"] == 4 * 3 * DIMS[0] * 16 * DIMS[0] * 9 == counts.ann_macs["s0_l1"]
    assert counts.synaptic_ops["s0_l1"] == 0


def test_region_threshold_makes_the_dilated_projection_a_mac():
    plain, thresholded = tiny("gsnn_digits_cnn"), tiny("gsnn_digits_cnn", region_threshold=0.2)
    _, _, _, before = run(plain)
    roles, seen, _, after = run(thresholded)
    fc = next(r for r in roles if r.kind == "rate" and r.geometry.kind == "dilated")
    assert after.macs[fc.layer] - before.macs[fc.layer] == linear_macs(fc.op, seen[fc.op][0])
    regular = next(r for r in roles if r.kind == "rate" and r.geometry.kind == "regular")
    assert after.macs[regular.layer] == before.macs[regular.layer]


def test_evaluate_reports_finite_gsnn_energy():
    model = tiny("gsnn_digits_cnn")
    data = torch.utils.data.TensorDataset(torch.rand(6, 1, 8, 8), torch.zeros(6, dtype=torch.long))
    totals = evaluate(model, torch.utils.data.DataLoader(data, batch_size=3), torch.device("cpu"))
    metrics = operation_metrics(totals)
    assert totals.operations.samples == 6
    assert metrics["synaptic_ops"] > 0 and metrics["macs"] > 0
    assert math.isfinite(metrics["energy_uj"]) and metrics["energy_ratio"] > 1
