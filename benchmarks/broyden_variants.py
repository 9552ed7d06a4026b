"""Broyden's bookkeeping, four ways, on one backward system: the library's good Broyden (its fused
CPU step, and its PyTorch form) against the "bad" Broyden update (and that update compiled with
``torch.compile``); the bad ones are not adopted.

    python -m benchmarks.broyden_variants                                  # F400 (128) and mpis_fmnist (32), T = 5
    python -m benchmarks.broyden_variants --checkpoint results/<study>/<trial>/checkpoint_000006

The library's solver (:mod:`mpis.solvers.broyden`) keeps only its steps (product form) and reads
each once per iteration. Broyden's second ("bad") method, kept here in the two-vector form
:math:`H = -I + \\sum_i u_i v_i^\\top`, updates H so that ``H Δg = Δβ`` with the smallest change in
the direction of ``Δg``:

.. math::
    H_{new} = H + \\frac{(\\Delta\\beta - H\\Delta g)\\,\\Delta g^\\top}{\\Delta g^\\top \\Delta g},
    \\qquad H\\Delta g = h + d_n \\;(h = H g_{n+1},\\; d_n = -H g_n),

so ``u = -h / |Δg|²``, ``v = Δg`` and ``d_{n+1} = -h (1 - Δg·g_{n+1} / |Δg|²)``: one product with H.
Per (model, batch): iterations, final residual and ``overhead`` (time outside the VJPs per iteration,
as a fraction of a VJP timed inside the same solve, as in :mod:`benchmarks.backward_cost`), medians
over ``--repeats`` rounds in which the variants alternate, so a load change hits them alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
from functools import partial
from pathlib import Path

import torch

from benchmarks.backward_cost import DEFAULT_DATA, _batch, backward_system, timed_solve
from mpis.config import ModelConfig, SimulationConfig
from mpis.data import DATA_DIR_VARIABLE
from mpis.models import build_model
from mpis.solvers import native_kernel
from mpis.solvers.broyden import solve_by_broyden
from mpis.solvers.solver_result import RelativeNorm, SolverResult, adjoint_residual, stop_at


def _apply_inverse(us: torch.Tensor, vs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """H x = -x + sum_i u_i (v_i . x); us, vs: (B, n, D) rows, x: (B, D)."""
    row = x.unsqueeze(1)
    if us.shape[1] == 0:
        return -x
    return torch.baddbmm(row, torch.bmm(row, vs.transpose(1, 2)), us, beta=-1).squeeze(1)


def _bad_update(h: torch.Tensor, dg: torch.Tensor, g_new: torch.Tensor):
    """(u, next step) of the bad-Broyden update from h = H g_new and Δg."""
    scale = (-1.0 / (dg * dg).sum(1, keepdim=True)).nan_to_num(nan=0.0, posinf=0.0, neginf=0.0)
    return h * scale, -h * (1 + scale * (dg * g_new).sum(1, keepdim=True))


def solve_by_bad_broyden(vjp, rhs, *, max_iter: int, tol: float, memory: int = 27, update=_bad_update):
    """Bad Broyden, limited memory with restarts, best iterate returned (as the library's solver)."""
    batch, dim = rhs.shape
    m = max(1, min(memory, max_iter))
    us, vs = rhs.new_empty(batch, m, dim), rhs.new_empty(batch, m, dim)
    filled, relative = 0, RelativeNorm(rhs)
    beta, residual, step = torch.zeros_like(rhs), rhs, rhs
    best, best_residual, trace = beta, 1.0, []
    for n in range(max_iter):
        beta = beta + step
        new_residual = adjoint_residual(vjp, beta, rhs)
        trace.append(relative(new_residual))
        if trace[-1] < best_residual:
            best, best_residual = beta, trace[-1]
        if stop_at(trace[-1], tol) or n == max_iter - 1:
            break
        filled = 0 if filled == m else filled
        h = _apply_inverse(us[:, :filled], vs[:, :filled], new_residual)
        dg = torch.sub(new_residual, residual, out=vs[:, filled])
        us[:, filled], step = update(h, dg, new_residual)
        filled, residual = filled + 1, new_residual
    return SolverResult(best, len(trace), best_residual if trace else 1.0, trace)


def solve_by_compiled_bad_broyden(vjp, rhs, **options):
    """The same with its per-iteration update through ``torch.compile`` (made on first use)."""
    global _compiled_update
    if _compiled_update is None:
        _compiled_update = torch.compile(_bad_update, dynamic=True, fullgraph=True)
    return solve_by_bad_broyden(vjp, rhs, update=_compiled_update, **options)


_compiled_update = None
VARIANTS = {"good": solve_by_broyden, "good pytorch": partial(solve_by_broyden, native=False),
            "bad": solve_by_bad_broyden, "bad compiled": solve_by_compiled_bad_broyden}


def named_system(preset: str, batch: int, data_dir: Path | None, checkpoint: Path | None):
    """(name, vjp, rhs) of one training batch's backward solve at T = 5 (or the checkpoint's model)."""
    torch.manual_seed(0)
    if checkpoint is not None:
        from analysis.convergence import load_trained_model  # the checkpoint's own config

        _, model = load_trained_model(checkpoint)
        preset = model.config.preset
    else:
        model = build_model(ModelConfig(preset=preset, simulation=SimulationConfig(time_steps=5)))
    calibration, inputs, _ = _batch(batch, data_dir)
    if checkpoint is None:
        model.calibrate_batch_norm(calibration)
    model.train()
    vjp, rhs = backward_system(model, inputs, torch.arange(batch) % 10)
    return f"{preset}:{batch}{' trained' if checkpoint else ''}", vjp, rhs


def measure(vjp, rhs, solver, max_iter: int) -> tuple[float, int, float]:
    overhead, result = timed_solve(partial(solver, max_iter=max_iter, tol=1e-4), vjp, rhs)
    return overhead, result.steps, result.relative_residual

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.broyden_variants", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="*", default=["ide_fmnist_f400:128", "mpis_fmnist:32"], help="preset:batch")
    parser.add_argument("--checkpoint", type=Path, nargs="*", default=[], help="trained checkpoint folders (batch 128)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    data_dir = arguments.data_dir or Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA))
    systems = [(spec.split(":")[0], int(spec.split(":")[1]), None) for spec in arguments.models]
    systems += [(None, 128, path) for path in arguments.checkpoint]
    print(f"device: CPU, 1 thread; median of {arguments.repeats} alternating rounds; tol 1e-4")
    print(f"Broyden's step: {native_kernel.describe()}")
    print(f"{'system':<28}{'variant':<14}{'iters':>6}{'residual':>10}{'overhead':>9}")
    for preset, batch, checkpoint in systems:
        name, vjp, rhs = named_system(preset, batch, data_dir, checkpoint)
        for solver in VARIANTS.values():
            measure(vjp, rhs, solver, arguments.max_iter)  # warm-up (and the compile)
        rows = {variant: [] for variant in VARIANTS}
        for _ in range(arguments.repeats):
            for variant, solver in VARIANTS.items():
                rows[variant].append(measure(vjp, rhs, solver, arguments.max_iter))
        for variant, runs in rows.items():
            overhead, steps, residual = (statistics.median(run[i] for run in runs) for i in range(3))
            print(f"{name:<28}{variant:<14}{steps:>6.0f}{residual:>10.1e}{overhead:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
