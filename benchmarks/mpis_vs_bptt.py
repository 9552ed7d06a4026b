"""MPIS vs its one-stream ablation vs IDE-F400 vs BPTT (Fashion-MNIST): training-step time and memory at several T.

    python -m benchmarks.mpis_vs_bptt                     # T = 30 and 100, batch 32
    python -m benchmarks.mpis_vs_bptt --steps 30 100 --batch-size 16 --repeats 3

Rows (the MPIS comparison table, ALGORITHMS.md §7.3, plus IDE):

* ``MPIS``      ``mpis_fmnist`` (2 streams 16-32-48), implicit gradient (the preset's solver);
* ``MPIS-1``    the same layers as one stream (``streams=1``: the single-stream ablation of MPIS, an
                IDE-style multi-layer feedback network, but not one of IDE's networks), implicit;
* ``IDE-F400``  IDE's own Fashion-MNIST model ``ide_fmnist_f400``, implicit;
* ``BPTT``      ``mpis_fmnist`` unrolled over T with a surrogate spike derivative;
* ``BPTT-CNN``  the slides' baseline ``cnn_fmnist`` (16C3-32C3(s2)-48C3-FC10), BPTT.

Like ``benchmarks.memory_vs_time_steps``, every (row, T) runs in its own child process. Memory is
reported three ways: bytes autograd saves for backward (exact, device-independent), the peak (CUDA
max allocated, or the child's peak RSS on CPU), and, on CPU, the peak above the RSS the child had
after a warm-up step ("step MB": the memory a training step needs on top of the runtime, the
parameters, their gradients and caches).
Then the MPIS/BPTT ratios and the issue's goals: MPIS memory(T=100)/memory(T=30) <= 1.05, BPTT's
>= 2.5, and MPIS step time <= BPTT step time at T = 100.
"""

from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F

from benchmarks.training_step import measure_training_step, run_measurement_in_child
from mpis.config import ModelConfig, SimulationConfig
from mpis.models import PRESETS, build_model

VARIANTS = {  # label -> (preset, gradient, streams override)
    "MPIS": ("mpis_fmnist", "implicit", None),
    "MPIS-1": ("mpis_fmnist", "implicit", 1),
    "IDE-F400": ("ide_fmnist_f400", "implicit", None),
    "BPTT": ("mpis_fmnist", "bptt", None),
    "BPTT-CNN": ("cnn_fmnist", "bptt", None),
}


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def measure_variant(label: str, steps: int, batch_size: int, repeats: int) -> dict:
    """One (variant, T): build, then time ``repeats`` SGD steps on random Fashion-MNIST-shaped data."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    preset, gradient, streams = VARIANTS[label]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = ModelConfig(preset=preset, gradient=gradient, streams=streams,
                         simulation=SimulationConfig(time_steps=steps))
    model = build_model(config).to(device)
    spec = PRESETS[preset]
    inputs = torch.rand(batch_size, *spec.input_shape, device=device)
    labels = torch.randint(0, spec.num_classes, (batch_size,), device=device)
    model.train()
    F.cross_entropy(model(inputs).logits, labels).backward()  # warm-up: runtime, grads, caches and
    torch.optim.SGD(model.parameters(), lr=0.0).step()  # the optimizer's lazily imported modules
    before = _resident_mb()  # glibc returned the step's buffers (MALLOC_MMAP_THRESHOLD_ below)
    result = measure_training_step(model, inputs, labels, repeats)
    step_mb = result.peak_memory_mb - before if device.type == "cpu" else result.peak_memory_mb
    return {"label": label, "T": steps, "step_mb": step_mb, **vars(result)}


def _run_child(label: str, steps: int, batch_size: int, repeats: int) -> dict:
    return run_measurement_in_child("benchmarks.mpis_vs_bptt", [
        "--child", label, str(steps), "--batch-size", str(batch_size), "--repeats", str(repeats)])


def print_table(rows: list[dict], reference_steps: int) -> None:
    by_key = {(r["label"], r["T"]): r for r in rows}
    print(f"{'model':10} {'T':>4} {'step s':>8} {'saved MB':>9} {'x':>6} {'peak MB':>8} {'step MB':>8} {'x':>6}"
          "  memory")
    for r in rows:
        ref = by_key.get((r["label"], reference_steps), r)
        print(f"{r['label']:10} {r['T']:>4} {r['median_step_s']:8.3f} {r['saved_bytes'] / 2**20:9.2f} "
              f"{r['saved_bytes'] / ref['saved_bytes']:6.2f} {r['peak_memory_mb']:8.1f} {r['step_mb']:8.1f} "
              f"{r['step_mb'] / ref['step_mb']:6.2f}  {r['memory_kind']}")


def print_ratios(rows: list[dict], steps: list[int], reference_steps: int) -> None:
    """MPIS/BPTT per T, and the issue's three goals (memory on saved bytes and on step MB)."""
    by_key = {(r["label"], r["T"]): r for r in rows}
    print(f"\n{'MPIS/BPTT':10} {'T':>4} {'time':>7} {'saved':>7} {'step MB':>8}")
    for t in steps:
        mpis, bptt = by_key[("MPIS", t)], by_key[("BPTT", t)]
        print(f"{'':10} {t:>4} {mpis['median_step_s'] / bptt['median_step_s']:7.2f} "
              f"{mpis['saved_bytes'] / bptt['saved_bytes']:7.3f} {mpis['step_mb'] / bptt['step_mb']:8.3f}")
    high = max(steps)
    if reference_steps in steps and high > reference_steps:
        print(f"\ngoals (T={high} vs T={reference_steps}):")
        for label, goal, sign in (("MPIS", 1.05, "<="), ("BPTT", 2.5, ">=")):
            for key in ("saved_bytes", "step_mb"):
                ratio = by_key[(label, high)][key] / by_key[(label, reference_steps)][key]
                met = ratio <= goal if sign == "<=" else ratio >= goal
                print(f"  {label} memory ratio ({key}) = {ratio:.2f}  goal {sign} {goal}: {'met' if met else 'NOT met'}")
        mpis, bptt = by_key[("MPIS", high)]["median_step_s"], by_key[("BPTT", high)]["median_step_s"]
        print(f"  MPIS step {mpis:.3f} s vs BPTT {bptt:.3f} s at T={high}: {'met' if mpis <= bptt else 'NOT met'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", nargs="+", type=int, default=[30, 100])
    parser.add_argument("--reference-steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "T"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_variant(args.child[0], int(args.child[1]), args.batch_size, args.repeats)))
        return
    if min(args.steps) < 1 or args.batch_size < 1 or args.repeats < 1:
        parser.error(f"steps, batch size and repeats must be >= 1 (got steps={args.steps}, "
                     f"batch_size={args.batch_size}, repeats={args.repeats})")
    rows = [_run_child(v, t, args.batch_size, args.repeats) for t in args.steps for v in args.variants]
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU, 1 thread per child"
    print(f"device: {device}; batch {args.batch_size}; median of {args.repeats} steps; "
          f"x = ratio to T={args.reference_steps}")
    print_table(sorted(rows, key=lambda r: (args.variants.index(r["label"]), r["T"])), args.reference_steps)
    if {"MPIS", "BPTT"} <= set(args.variants):
        print_ratios(rows, sorted(args.steps), args.reference_steps)


if __name__ == "__main__":
    main()
