"""Peer comparison: our BPTT against SpikingJelly's on the same spiking CNN, with MPIS beside them.

    python -m benchmarks.peer_bptt                                  # T = 30 and 100, batch 32
    python -m benchmarks.peer_bptt --steps 30 --batch 16 --repeats 5 --data-dir ../shared/data

Rows, per T (one process, one thread, CPU; the steps of all rows interleaved, so load on a shared
machine hits every row alike):

* ``ours``   ``cnn_fmnist`` (16C3-32C3(s2)-48C3-FC10) trained by BPTT (``mpis.snn.simulation``);
* ``SJ``     the same network in SpikingJelly (``activation_based``, multi-step): ours' conv, BN and
             linear modules copied; the static input current computed once and fed at every step;
             hidden convs over all T·B frames at once (``layer.SeqToANNContainer``), BN per step
             (``layer.MultiStepContainer``: ours' per-step batch statistics), ``layer.Dropout`` (one
             mask per sequence, like ours), ``neuron.IFNode`` with soft reset (``v_reset=None``), the
             same threshold, the potential starting at ours' ``initial_potential * V_th``
             (``set_reset_value``) and ``surrogate.Sigmoid(alpha=4)`` (ours' sigmoid surrogate); rate
             readout. SpikingJelly 2.0 has no ``backend`` argument: on CPU its IF op runs the
             pure-PyTorch reference (``implementation=torch-reference``), i.e. the torch backend.
             ``MultiStepContainer`` takes ``x_seq.select(0, t)`` per step, and each select's backward
             fills a zero gradient of the whole ``[T, B, ...]`` sequence: its backward is O(T^2);
* ``SJ-TB``  as ``SJ`` but BN over all T·B frames (``SeqToANNContainer(conv, bn)``, SpikingJelly's
             usual idiom): the same network in eval mode, another one in training;
* ``MPIS``   ``mpis_fmnist`` with its implicit gradient (BN-calibrated on a batch first).

Before timing, the logits of ``ours`` and ``SJ`` on the same weights are compared on the batch
(training mode with dropout off, and eval mode), and so are the parameter gradients. Memory is the
bytes autograd saves for backward (``mpis.saved_memory.saved_tensor_bytes``, the same hooks on all).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from spikingjelly.activation_based import functional, layer, neuron, surrogate
from torch import Tensor, nn

from mpis.config import DataConfig, ModelConfig, SimulationConfig
from mpis.data import DATA_DIR_VARIABLE
from mpis.data.loaders import build_dataloaders
from mpis.models import build_model
from mpis.saved_memory import saved_tensor_bytes

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SURROGATE_ALPHA = 4.0  # mpis.surrogates' "sigmoid": 4 s (1 - s), s = sigmoid(4 (u - V_th))
ROWS = ("ours", "SJ", "SJ-TB", "MPIS")


class Logits(NamedTuple):
    logits: Tensor


def _if_node(v_threshold: float, initial_potential: float) -> neuron.IFNode:
    node = neuron.IFNode(v_threshold=v_threshold, v_reset=None, detach_reset=False, step_mode="m",
                         surrogate_function=surrogate.Sigmoid(alpha=SURROGATE_ALPHA))
    node.set_reset_value("v", initial_potential)  # every reset_net restores it
    node.reset()
    return node


class SpikingJellyCNN(nn.Module):
    """Our ``cnn_fmnist`` model rebuilt in SpikingJelly on copies of its modules (see the docstring)."""

    def __init__(self, ours: nn.Module, bn_over_time: bool = False):
        super().__init__()
        config, stream = ours.config, ours.snn.streams[0]
        self.time_steps = config.simulation.time_steps
        vth, start = config.neuron.v_threshold, config.neuron.initial_potential * config.neuron.v_threshold
        first, *hidden = (copy.deepcopy(m) for m in (stream.input_module, *stream.layers))
        self.encoder = nn.Sequential(first.op, first.bn, nn.Dropout(first.dropout))  # once: a static current
        body = [_if_node(vth, start)]
        for module in hidden:
            synapse = ([layer.SeqToANNContainer(module.op, module.bn)] if bn_over_time else
                       [layer.SeqToANNContainer(module.op), layer.MultiStepContainer(module.bn)])
            body += [*synapse, layer.Dropout(module.dropout, step_mode="m"), _if_node(vth, start)]
        self.body = nn.Sequential(*body)
        self.classifier = copy.deepcopy(ours.head.classifier)
        self.ops = [first.op, *(m.op for m in hidden), self.classifier]  # in ours' order (gradient check)

    def forward(self, x: Tensor) -> Logits:
        functional.reset_net(self)  # potentials back to their start, new dropout masks
        current = self.encoder(x)
        spikes = self.body(current.unsqueeze(0).expand(self.time_steps, *current.shape))
        return Logits(self.classifier(spikes.mean(0).flatten(1)))


def _ours_ops(model: nn.Module) -> list[nn.Module]:
    stream = model.snn.streams[0]
    return [stream.input_module.op, *(m.op for m in stream.layers), model.head.classifier]


def check_agreement(ours: nn.Module, sj: SpikingJellyCNN, inputs: Tensor, labels: Tensor) -> dict:
    """Max |logits(ours) - logits(SJ)| in training mode (dropout off: batch statistics per step) and
    in eval mode, and max |grad difference| / max |grad| over all parameters, on copies."""
    ours, sj = copy.deepcopy(ours), copy.deepcopy(sj)
    for module in ours.snn.synaptic_modules():
        module.dropout = 0.0
    for module in sj.modules():
        if isinstance(module, (nn.Dropout, layer.Dropout)):
            module.p = 0.0
    logits = []
    for model in (ours, sj):
        model.train()
        out = model(inputs).logits
        F.cross_entropy(out, labels).backward()
        logits.append(out.detach())
    grads = [(a.grad, b.grad) for op_a, op_b in zip(_ours_ops(ours), sj.ops)
             for a, b in ((op_a.weight, op_b.weight), (op_a.bias, op_b.bias))]
    scale = max(a.abs().max() for a, _ in grads).clamp_min(1e-30)
    with torch.no_grad():
        ours.eval(), sj.eval()
        eval_diff = (ours(inputs).logits - sj(inputs).logits).abs().max()
    return {"train": float((logits[0] - logits[1]).abs().max()), "eval": float(eval_diff),
            "grad": float(max((a - b).abs().max() for a, b in grads) / scale)}


def _batches(batch_size: int, data_dir: Path) -> tuple[Tensor, Tensor, Tensor, str]:
    """(calibration images, images, labels, source): real Fashion-MNIST when present, else noise."""
    if (data_dir / "FashionMNIST").is_dir():
        loader, _, _ = build_dataloaders(DataConfig(dataset="fashion_mnist", data_dir=str(data_dir), download=False,
                                                    batch_size=batch_size, limit_train=max(2 * batch_size, 20),
                                                    limit_test=10), time_steps=1, seed=0)
        (calibration, _), (inputs, labels) = list(loader)[:2]
        return calibration, inputs, labels, "fashion_mnist"
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(2, batch_size, 1, 28, 28, generator=generator)
    return images[0], images[1], torch.arange(batch_size) % 10, "uniform noise"


def _step(model: nn.Module, optimizer: torch.optim.Optimizer, inputs: Tensor, labels: Tensor) -> float:
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    F.cross_entropy(model(inputs).logits, labels).backward()
    optimizer.step()
    return time.perf_counter() - start


def measure(steps: int, batch_size: int, repeats: int, data_dir: Path) -> tuple[list[dict], dict, str]:
    """Rows (one per model) and the agreement figures at one T."""
    torch.manual_seed(0)
    calibration, inputs, labels, source = _batches(batch_size, data_dir)
    simulation = SimulationConfig(time_steps=steps)
    ours = build_model(ModelConfig(preset="cnn_fmnist", gradient="bptt", simulation=simulation))
    implicit = build_model(ModelConfig(preset="mpis_fmnist", simulation=simulation))
    implicit.calibrate_batch_norm(calibration)
    models = {"ours": ours, "SJ": SpikingJellyCNN(ours), "SJ-TB": SpikingJellyCNN(ours, bn_over_time=True),
              "MPIS": implicit}
    agreement = check_agreement(ours, models["SJ"], inputs, labels)
    saved = {name: saved_tensor_bytes(model.train(), inputs, labels) for name, model in models.items()}
    optimizers = {name: torch.optim.SGD(m.parameters(), lr=1e-6, momentum=0.9) for name, m in models.items()}
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats + 1):  # the first round warms up (optimizer state, caches)
        for name, model in models.items():
            times[name].append(_step(model, optimizers[name], inputs, labels))
    rows = [{"model": name, "T": steps, "step_s": statistics.median(times[name][1:]),
             "saved_mb": saved[name] / 2**20} for name in models]
    return rows, agreement, source


def print_report(rows: list[dict], agreement: dict[int, dict], steps: list[int]) -> None:
    print("agreement ours vs SJ, same weights, dropout off: max |logits diff| (train, eval), "
          "max |grad diff| / max |grad|")
    for t in steps:
        a = agreement[t]
        print(f"  T={t:<4} train {a['train']:.2e}  eval {a['eval']:.2e}  grad {a['grad']:.2e}")
    print(f"\n{'model':6} {'T':>4} {'step s':>8} {'saved MB':>9}")
    for r in rows:
        print(f"{r['model']:6} {r['T']:>4} {r['step_s']:8.3f} {r['saved_mb']:9.2f}")
    by = {(r["model"], r["T"]): r for r in rows}
    print(f"\n{'ours/SJ':8} {'T':>4} {'time':>6} {'saved':>6}   {'ours/SJ-TB time':>15}")
    for t in steps:
        o, s, tb = by[("ours", t)], by[("SJ", t)], by[("SJ-TB", t)]
        print(f"{'':8} {t:>4} {o['step_s'] / s['step_s']:6.2f} {o['saved_mb'] / s['saved_mb']:6.2f}   "
              f"{o['step_s'] / tb['step_s']:15.2f}")
    if len(steps) > 1:
        low, high = min(steps), max(steps)
        growth = ", ".join(f"{m} {by[(m, high)]['saved_mb'] / by[(m, low)]['saved_mb']:.2f}" for m in ROWS)
        print(f"\nsaved memory T={high} / T={low}: {growth}")
    slower = [t for t in steps if by[("ours", t)]["step_s"] > by[("SJ", t)]["step_s"]]
    print(f"goal: our BPTT step no slower than SpikingJelly's at every T: "
          f"{'met' if not slower else 'MISSED at T=' + ', '.join(map(str, slower))}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="+", type=int, default=[30, 100])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if min(args.steps) < 1 or args.batch < 2 or args.repeats < 1:
        parser.error(f"steps >= 1, batch >= 2 and repeats >= 1 (got {args.steps}, {args.batch}, {args.repeats})")
    torch.set_num_threads(1)
    data_dir = args.data_dir or Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA))
    rows, agreement = [], {}
    for t in args.steps:
        part, agreement[t], source = measure(t, args.batch, args.repeats, data_dir)
        rows += part
    print(f"device: CPU, 1 thread; batch {args.batch}; {source}; median of {args.repeats} interleaved steps "
          f"after a warm-up\n")
    print_report(rows, agreement, args.steps)
    return {"rows": rows, "agreement": agreement}


if __name__ == "__main__":
    main()
