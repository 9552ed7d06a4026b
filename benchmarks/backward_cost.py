"""What the implicit backward costs: a training step against its no-grad simulation, and the backward
solver's own bookkeeping against the vector-Jacobian products it calls.

    python -m benchmarks.backward_cost                       # F400 (batch 128), mpis_fmnist (32, 128), T = 5, 30
    python -m benchmarks.backward_cost --models mpis_fmnist:32 --steps 30 --solvers broyden anderson

On real Fashion-MNIST images when ``--data-dir`` (or ``$MPIS_DATA_DIR``, or ``../shared/data``) holds
them, after the same BN calibration a training run starts with. Per (model, batch, T), medians of
``--repeats`` runs in one process, one thread:

* ``sim s``: the T-step simulation alone (a training-mode forward under no-grad);
* ``step s`` and ``step/sim``: a whole SGD step (simulation, f, head, loss, backward solve, update);
* ``vjp ms``: one probe VJP ``J^T b`` at the equilibrium;
* ``iters``: the solver's VJPs in one backward, and ``overhead``: its time outside those VJPs per
  iteration as a fraction of one VJP, the median of the VJPs timed inside the same solve (so a
  load change on a shared machine hits both alike; the issue's goal for Broyden: at most 0.20).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from mpis.config import DataConfig, ModelConfig, SimulationConfig, SolverConfig
from mpis.data import DATA_DIR_VARIABLE
from mpis.data.loaders import build_dataloaders
from mpis.implicit import ProbeVJP
from mpis.models import build_model
from mpis.solvers import bind_solver, native_kernel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _median_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _batch(batch_size: int, data_dir: Path | None):
    """``batch_size`` real Fashion-MNIST training images (or uniform noise when the data is absent)."""
    if data_dir is not None and (data_dir / "FashionMNIST").is_dir():
        loader, _, _ = build_dataloaders(DataConfig(dataset="fashion_mnist", data_dir=str(data_dir),
                                                    batch_size=batch_size, limit_train=max(batch_size * 3, 30),
                                                    limit_test=10), time_steps=1, seed=0)
        batches = iter(loader)
        calibration, inputs = next(batches)[0], next(batches)[0]
        return calibration, inputs, "fashion_mnist"
    return torch.rand(batch_size, 1, 28, 28), torch.rand(batch_size, 1, 28, 28), "uniform noise"


def measure(preset: str, batch_size: int, steps: int, solver: str, repeats: int, data_dir: Path | None) -> dict:
    torch.manual_seed(0)
    config = ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=steps),
                         backward=SolverConfig(name=solver))
    model = build_model(config)
    calibration, inputs, source = _batch(batch_size, data_dir)
    model.calibrate_batch_norm(calibration)
    return {"model": preset, "batch": batch_size, "T": steps, "solver": solver, "data": source,
            **measure_model(model, inputs, torch.arange(batch_size) % 10, repeats)}


def measure_model(model: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor, repeats: int) -> dict:
    """Simulation, training step, one VJP and the solver's overhead of ``model`` (its own config) on
    one batch; the weights stay (a learning rate of 1e-6)."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)  # tiny: the weights stay where they are

    def simulate():
        with torch.no_grad():
            model(inputs)

    def training_step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(inputs).logits, labels).backward()
        optimizer.step()

    training_step()  # warm-up
    sim_s, step_s = _median_time(simulate, repeats), _median_time(training_step, repeats)
    vjp, rhs = backward_system(model, inputs, labels)
    vjp_s = _median_time(lambda: vjp(rhs), repeats)
    solve = bind_solver(model.config.backward)
    runs = [timed_solve(solve, vjp, rhs, vjp_s) for _ in range(repeats)]
    return {"sim_s": sim_s, "step_s": step_s, "vjp_ms": 1e3 * vjp_s,
            "iters": statistics.median(result.steps for _, result in runs),
            "overhead": statistics.median(overhead for overhead, _ in runs), "residual": runs[-1][1].relative_residual}


def backward_system(model: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor):
    """(vjp, rhs) of the backward solve of one training forward: ``vjp(b) = J^T b`` at the
    equilibrium and ``rhs = dL/da`` of the cross-entropy; the probe graph is built once, as the
    backward does."""
    output = model(inputs)
    rhs = torch.autograd.grad(F.cross_entropy(output.logits, labels), output.equilibrium.image, retain_graph=True)[0]
    vjp = ProbeVJP(output.equilibrium.probe, output.equilibrium.point)
    vjp(rhs)
    return vjp, rhs


def timed_solve(solve, vjp, rhs: torch.Tensor, vjp_s: float | None = None):
    """(overhead, result) of one solve: its time outside the VJPs per iteration, as a fraction of the
    median VJP timed inside the same solve (``vjp_s`` when the solve called none)."""
    spent = []

    def timed_vjp(b):
        start = time.perf_counter()
        result = vjp(b)
        spent.append(time.perf_counter() - start)
        return result

    start = time.perf_counter()
    result = solve(timed_vjp, rhs)
    elapsed = time.perf_counter() - start
    per_vjp = statistics.median(spent) if spent else vjp_s
    return (elapsed - sum(spent)) / max(result.steps, 1) / per_vjp, result

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backward_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["ide_fmnist_f400:128", "mpis_fmnist:32", "mpis_fmnist:128"],
                        help="preset:batch pairs")
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 30])
    parser.add_argument("--solvers", nargs="+", default=["broyden"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=None)
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    data_dir = arguments.data_dir or Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA))
    print(f"device: CPU, 1 thread; median of {arguments.repeats}")
    print(f"Broyden's step: {native_kernel.describe()}")
    print(f"{'model':<16}{'batch':>6}{'T':>5}  {'solver':<9}{'sim s':>8}{'step s':>8}{'step/sim':>9}"
          f"{'vjp ms':>8}{'iters':>6}{'overhead':>9}  data")
    for spec in arguments.models:
        preset, batch = spec.split(":")
        for steps in arguments.steps:
            for solver in arguments.solvers:
                r = measure(preset, int(batch), steps, solver, arguments.repeats, data_dir)
                print(f"{r['model']:<16}{r['batch']:>6}{r['T']:>5}  {r['solver']:<9}{r['sim_s']:>8.3f}"
                      f"{r['step_s']:>8.3f}{r['step_s'] / r['sim_s']:>9.2f}{r['vjp_ms']:>8.2f}{r['iters']:>6.0f}"
                      f"{r['overhead']:>9.2f}  {r['data']}", flush=True)


if __name__ == "__main__":
    main()
