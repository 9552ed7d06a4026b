"""Is MPIS at its equilibrium? MPIS vs its one-stream ablation vs IDE-F400 vs BPTT, trained on real
Fashion-MNIST with the same seed, data and epochs, at several T, with the equilibrium's health.

    python -m benchmarks.mpis_equilibrium --data-dir ../shared/data --out results/mpis_equilibrium
    python -m benchmarks.mpis_equilibrium --out results/mpis_equilibrium --report-only   # the table again

Arms (every one ``python -m mpis.train`` in a child process, one thread, SGD lr 0.05 momentum 0.9,
weight decay 5e-4, batch 128, no milestones, the product's defaults otherwise):

* ``MPIS``      ``mpis_fmnist`` (2 streams 16-32-48, implicit, Broyden);
* ``MPIS-1``    the same layers as one stream (``--streams 1``);
* ``IDE-F400``  IDE's Fashion-MNIST network ``ide_fmnist_f400``;
* ``BPTT``      ``mpis_fmnist`` unrolled over T with a surrogate derivative.

Each (arm, T) writes ``<out>/<arm>_T<T>.json`` (rewritten every epoch) and keeps its latest
checkpoint; a rerun skips finished runs and resumes interrupted ones from their checkpoint. The
table reports the last epoch's test accuracy (and the best), the mean epoch time, the fixed-point
residual ``||f(a) - a|| / ||a||`` (mean and max over the last epoch's steps), the spectral radius of
J at the end of training (max over the measured batch), the mean backward iterations and the
fallbacks summed over all epochs. Then, on the trained MPIS checkpoint at the largest T: a training
step against its no-grad simulation, and the convergence figure (fixed-point residual per step of
every stream, MPIS vs MPIS-1, on real test images) as ``<out>/convergence.png``. Last, the goals.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ARMS = {  # label -> extra flags of python -m mpis.train
    "MPIS": ["--preset", "mpis_fmnist"],
    "MPIS-1": ["--preset", "mpis_fmnist", "--streams", "1"],
    "IDE-F400": ["--preset", "ide_fmnist_f400"],
    "BPTT": ["--preset", "mpis_fmnist", "--gradient", "bptt"],
}
RECIPE = ["--dataset", "fashion_mnist", "--batch-size", "128", "--test-batch-size", "500", "--optimizer", "sgd",
          "--lr", "0.05", "--momentum", "0.9", "--weight-decay", "5e-4", "--milestones", "--threads", "1"]
GOAL_RESIDUAL, GOAL_STEP_RATIO = 0.05, 1.25


def run_name(arm: str, steps: int) -> str:
    return f"{arm}_T{steps}"


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def train_arm(arm: str, steps: int, arguments: argparse.Namespace) -> None:
    """Train (or resume, or skip when done) one arm at one T."""
    out = arguments.out
    name = run_name(arm, steps)
    record = _read(out / f"{name}.json")
    if record and record.get("status") == "done" and len(record["epochs"]) == arguments.epochs:
        print(f"{name}: done", flush=True)
        return
    checkpoints = out / "checkpoints" / name
    command = [sys.executable, "-m", "mpis.train", *ARMS[arm], *RECIPE, "--time-steps", str(steps),
               "--epochs", str(arguments.epochs), "--seed", str(arguments.seed),
               "--limit-train", str(arguments.limit_train), "--limit-test", str(arguments.limit_test),
               "--data-dir", str(arguments.data_dir), "--json-out", str(out / f"{name}.json"),
               "--checkpoint-dir", str(checkpoints)]
    latest = sorted(checkpoints.glob("epoch_*"))
    if latest:
        command += ["--resume", str(latest[-1])]
    print(f"{name}: {'resuming from ' + latest[-1].name if latest else 'training'}", flush=True)
    with open(out / f"{name}.log", "a") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def summarise(record: dict) -> dict:
    epochs, last = record["epochs"], record["epochs"][-1]

    def value(key):
        return math.nan if last.get(key) is None else last[key]

    return {"epochs": len(epochs), "test": value("test_accuracy"), "best": max(e["test_accuracy"] for e in epochs),
            "epoch_s": _mean([e["epoch_time_s"] for e in epochs]), "residual": value("fixed_point_residual"),
            "residual_max": value("fixed_point_residual_max"), "rho": value("spectral_radius"),
            "backward": _mean([e.get("backward_steps") for e in epochs]),
            "fallbacks": sum(e.get("backward_fallbacks") or 0 for e in epochs),
            "streams": [value(f"fixed_point_residual_s{i}") for i in range(2)]}


def _number(value: float, spec: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def print_table(out: Path, steps_list: list[int]) -> dict:
    print("\narm        T  epochs  test %  best %  epoch s  fp residual (max)  stream 0 / 1    rho(J)  backward  fallbacks")
    rows = {}
    for steps in steps_list:
        for arm in ARMS:
            record = _read(out / f"{run_name(arm, steps)}.json")
            if not record or not record["epochs"]:
                print(f"{arm:<9}{steps:>3}  (not run)")
                continue
            r = rows[(arm, steps)] = summarise(record)
            streams = " / ".join(_number(v, ".3f") for v in r["streams"]) if arm == "MPIS" else _number(r["streams"][0], ".3f")
            print(f"{arm:<9}{steps:>3}{r['epochs']:>8}{r['test']:>8.2f}{r['best']:>8.2f}{r['epoch_s']:>9.1f}"
                  f"  {_number(r['residual'], '.3f'):>6} ({_number(r['residual_max'], '.3f')})     {streams:<14}"
                  f"{_number(r['rho'], '.2f'):>7}{_number(r['backward'], '.1f'):>10}{r['fallbacks']:>11}")
    return rows


def trained_model_measurements(out: Path, steps: int, data_dir: Path) -> dict | None:
    """Step/simulation ratio of the trained MPIS model, and the convergence figure (MPIS vs MPIS-1)."""
    import torch

    from analysis.convergence import convergence_traces, load_trained_model
    from analysis.figures.convergence_figure import plot_convergence_traces
    from analysis.figures.figure_files import save_figure
    from benchmarks.backward_cost import measure_model
    from mpis.config import DataConfig
    from mpis.data.loaders import build_dataloaders

    checkpoints = {arm: sorted((out / "checkpoints" / run_name(arm, steps)).glob("epoch_*")) for arm in ("MPIS", "MPIS-1")}
    if not all(checkpoints.values()):
        return None
    torch.set_num_threads(1)
    _, test_loader, _ = build_dataloaders(DataConfig(dataset="fashion_mnist", data_dir=str(data_dir), batch_size=128,
                                                     test_batch_size=128, limit_train=10, limit_test=2000),
                                          time_steps=steps, seed=0)
    images, labels = next(iter(test_loader))
    _, mpis_model = load_trained_model(checkpoints["MPIS"][-1])
    cost = measure_model(mpis_model, images, labels, repeats=3)
    traces = []
    for arm, paths in checkpoints.items():
        config, model = load_trained_model(paths[-1])
        traces.append(convergence_traces(config, images[:32], time_steps=100, model=model,
                                         label=f"{arm} trained at T={steps}"))
    save_figure(plot_convergence_traces(traces), out, "convergence")
    final = {trace.label: {name: curve[steps - 1] for name, curve in trace.curves.items()} for trace in traces}
    return {"cost": cost, "residual_at_T": final, "residual_at_100": {
        trace.label: {name: curve[-1] for name, curve in trace.curves.items()} for trace in traces}}


def print_goals(rows: dict, trained: dict | None, steps: int) -> None:
    print(f"\ngoals (T={steps}):")
    mpis, single = rows.get(("MPIS", steps)), rows.get(("MPIS-1", steps))
    if mpis:
        print(f"  MPIS fixed-point residual {mpis['residual']:.3f} <= {GOAL_RESIDUAL}: "
              f"{'met' if mpis['residual'] <= GOAL_RESIDUAL else 'MISSED'}")
        print(f"  MPIS spectral radius at the end {mpis['rho']:.2f} < 1: {'met' if mpis['rho'] < 1 else 'MISSED'}")
    if mpis and single:
        print(f"  MPIS residual {mpis['residual']:.3f} <= MPIS-1's {single['residual']:.3f}: "
              f"{'met' if mpis['residual'] <= single['residual'] else 'MISSED'}")
        print(f"  MPIS accuracy {mpis['test']:.2f} >= MPIS-1's {single['test']:.2f}: "
              f"{'met' if mpis['test'] >= single['test'] else 'MISSED'}")
    applied = sum(r["fallbacks"] for r in rows.values())
    print(f"  failed solves applied: 0 (a failed solve is never applied; {applied} fell back, see 'fallbacks')")
    if trained:
        cost = trained["cost"]
        ratio = cost["step_s"] / cost["sim_s"]
        print(f"  MPIS training step / no-grad simulation {ratio:.2f} <= {GOAL_STEP_RATIO}: "
              f"{'met' if ratio <= GOAL_STEP_RATIO else 'MISSED'} (step {cost['step_s']:.2f} s, simulation "
              f"{cost['sim_s']:.2f} s, {cost['iters']:.0f} backward iterations of {cost['vjp_ms']:.0f} ms, "
              f"solver overhead {cost['overhead']:.2f} VJP per iteration; batch 128, trained weights)")
        for label, curves in trained["residual_at_T"].items():
            shown = ", ".join(f"{name} {value:.3f}" for name, value in curves.items())
            at_100 = ", ".join(f"{name} {value:.3f}" for name, value in trained["residual_at_100"][label].items())
            print(f"  convergence figure, {label}: residual at step {steps}: {shown}; at step 100: {at_100}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mpis_equilibrium", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/mpis_equilibrium"))
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MPIS_DATA_DIR", "../shared/data")))
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 30])
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--limit-train", type=int, default=10000)
    parser.add_argument("--limit-test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report-only", action="store_true", help="print the table from the JSON files")
    arguments = parser.parse_args(argv)
    arguments.out, arguments.data_dir = arguments.out.resolve(), arguments.data_dir.resolve()
    arguments.out.mkdir(parents=True, exist_ok=True)
    if not arguments.report_only:
        for steps in arguments.steps:
            for arm in arguments.arms:
                train_arm(arm, steps, arguments)
    rows = print_table(arguments.out, arguments.steps)
    largest = max(arguments.steps)
    trained = trained_model_measurements(arguments.out, largest, arguments.data_dir)
    if trained:
        (arguments.out / "trained_measurements.json").write_text(json.dumps(trained, indent=1))
    print_goals(rows, trained, largest)


if __name__ == "__main__":
    main()
