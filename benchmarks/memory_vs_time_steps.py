"""Training-step time and memory of models at several T, side by side in one run.

    python -m benchmarks.memory_vs_time_steps --presets ide_fmnist_f400 ide_mnist_f64c5 --steps 5 30 100

Each (preset, gradient, T) is measured in its own child process (so the process peak RSS belongs to
that configuration alone), in interleaved order, and printed with its ratios to the reference T
(30 by default): median step time, bytes autograd saves for backward, and peak memory (CUDA max
allocated on a GPU, else the child's peak RSS, which includes the Python/torch runtime).
"""

from __future__ import annotations

import argparse
import json

import torch

from benchmarks.training_step import measure_training_step, run_measurement_in_child
from mpis.config import ModelConfig, SimulationConfig
from mpis.models import PRESETS, build_model


def measure_one(preset: str, gradient: str, steps: int, batch_size: int, repeats: int) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    spec = PRESETS[preset]
    config = ModelConfig(preset=preset, gradient=gradient, simulation=SimulationConfig(time_steps=steps))
    model = build_model(config).to(device)
    shape = (batch_size, steps, *spec.input_shape) if spec.events else (batch_size, *spec.input_shape)
    inputs = torch.rand(shape, device=device)
    if spec.events:
        inputs = (inputs < 0.1).float()
    labels = torch.randint(0, spec.num_classes, (batch_size,), device=device)
    result = measure_training_step(model, inputs, labels, repeats)
    return {"preset": preset, "gradient": gradient, "T": steps, **vars(result)}


def _run_child(preset: str, gradient: str, steps: int, batch_size: int, repeats: int) -> dict:
    return run_measurement_in_child("benchmarks.memory_vs_time_steps", [
        "--child", preset, gradient, str(steps), "--batch-size", str(batch_size), "--repeats", str(repeats)])


def print_table(rows: list[dict], reference_steps: int) -> None:
    by_key = {(r["preset"], r["gradient"], r["T"]): r for r in rows}
    print(f"{'model':28} {'grad':8} {'T':>4} {'step s':>8} {'x':>6} {'saved MB':>9} {'x':>6} "
          f"{'peak MB':>8} {'x':>6}  memory")
    for r in rows:
        ref = by_key.get((r["preset"], r["gradient"], reference_steps), r)
        print(f"{r['preset']:28} {r['gradient']:8} {r['T']:>4} {r['median_step_s']:8.4f} "
              f"{r['median_step_s'] / ref['median_step_s']:6.2f} {r['saved_bytes'] / 2**20:9.2f} "
              f"{r['saved_bytes'] / ref['saved_bytes']:6.2f} {r['peak_memory_mb']:8.1f} "
              f"{r['peak_memory_mb'] / ref['peak_memory_mb']:6.2f}  {r['memory_kind']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["ide_fmnist_f400", "ide_mnist_f64c5"])
    parser.add_argument("--gradients", nargs="+", default=["implicit"], choices=["implicit", "bptt"])
    parser.add_argument("--steps", nargs="+", type=int, default=[5, 30, 100])
    parser.add_argument("--reference-steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", nargs=3, metavar=("PRESET", "GRADIENT", "T"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        preset, gradient, steps = args.child
        print(json.dumps(measure_one(preset, gradient, int(steps), args.batch_size, args.repeats)))
        return
    unknown = [p for p in args.presets if p not in PRESETS]
    if unknown or min(args.steps) < 1:
        parser.error(f"presets must be in mpis.models.PRESETS and steps >= 1 (got {unknown or args.steps})")
    rows = [_run_child(p, g, t, args.batch_size, args.repeats)
            for p in args.presets for g in args.gradients for t in args.steps]
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    print(f"device: {device}; batch {args.batch_size}; median of {args.repeats} steps; "
          f"ratios (x) to T={args.reference_steps}")
    print_table(rows, args.reference_steps)


if __name__ == "__main__":
    main()
