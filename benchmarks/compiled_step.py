"""Eager against compiled (``ModelConfig(compile="on")``): the T-step simulation and a training step.

    python -m benchmarks.compiled_step                                   # F400, mpis_fmnist, cnn_fmnist (BPTT), T = 5, 30
    python -m benchmarks.compiled_step --models mpis_fmnist:32 --steps 30 --device cuda

Per (model, batch, T), in one process, on real Fashion-MNIST images when ``--data-dir`` (or
``$MPIS_DATA_DIR``, or ``../shared/data``) holds them, else uniform noise; one thread on CPU:

* ``sim`` and ``step``: medians of ``--repeats`` no-grad simulations (training mode) and SGD steps,
  eager and compiled, after the warm-up;
* ``first``: the first simulation plus the first training step; compiled, that includes the compile
  time (Dynamo's trace, Inductor's code generation and the C++/Triton build of every graph);
* ``break-even``: the training steps after which compiling has paid for itself,
  ``(first compiled - first eager) / (step eager - step compiled)`` ("never" when compiled steps
  are not faster).

The two runs start from the same weights and draw the same dropout masks; compiled rates are
checked equal to eager's (``same``). Their timed calls alternate, so a load change on a shared
machine hits both alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
from pathlib import Path

import torch
import torch.nn.functional as F

from benchmarks.backward_cost import DEFAULT_DATA, _batch
from benchmarks.gpu_timing import timed
from mpis.config import ModelConfig, SimulationConfig
from mpis.data import DATA_DIR_VARIABLE
from mpis.models import build_model


class _Run:
    """One model built from ``config`` with its SGD optimiser, and its timed calls."""

    def __init__(self, config: ModelConfig, inputs: torch.Tensor, labels: torch.Tensor):
        torch.manual_seed(0)
        self.model = build_model(config).to(inputs.device).train()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=1e-6)  # tiny: the weights stay
        self.inputs, self.labels = inputs, labels
        self.sims, self.steps = [], []

    def simulate(self):
        with torch.no_grad():
            return self.model(self.inputs)

    def training_step(self):
        self.optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(self.model(self.inputs).logits, self.labels).backward()
        self.optimizer.step()

    def first(self) -> tuple[float, list[torch.Tensor]]:
        """The first simulation plus the first step (compile included); the simulated rates."""
        torch.manual_seed(1)
        rates = []
        device = self.inputs.device
        seconds = timed(lambda: rates.extend(r.clone() for r in self.simulate().simulation.rates), device)
        return seconds + timed(self.training_step, device), rates

    def time_once(self) -> None:
        self.sims.append(timed(self.simulate, self.inputs.device))
        self.steps.append(timed(self.training_step, self.inputs.device))


def measure(preset: str, batch: int, steps: int, gradient: str, device: torch.device,
            data_dir: Path | None, repeats: int) -> dict:
    """Eager and compiled runs of one configuration, their timed calls interleaved."""
    base = ModelConfig(preset=preset, gradient=gradient, simulation=SimulationConfig(time_steps=steps))
    _, inputs, source = _batch(batch, data_dir)
    inputs, labels = inputs.to(device), (torch.arange(batch) % 10).to(device)
    runs = {mode: _Run(dataclasses.replace(base, compile=mode), inputs, labels) for mode in ("off", "on")}
    firsts = {mode: run.first() for mode, run in runs.items()}
    for _ in range(repeats):
        for run in runs.values():
            run.time_once()
    figures = {mode: {"first": firsts[mode][0], "sim": statistics.median(run.sims),
                      "step": statistics.median(run.steps)} for mode, run in runs.items()}
    eager, compiled = figures["off"], figures["on"]
    same = all(torch.equal(a, b) for a, b in zip(firsts["off"][1], firsts["on"][1]))
    gain, compile_s = eager["step"] - compiled["step"], compiled["first"] - eager["first"]
    return {"model": preset, "gradient": gradient, "batch": batch, "T": steps, "data": source, "same": same,
            "eager": eager, "compiled": compiled, "compile_s": compile_s,
            "break_even_steps": compile_s / gain if gain > 0 else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compiled_step", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["ide_fmnist_f400:128", "mpis_fmnist:32", "cnn_fmnist:32:bptt"],
                        help="preset:batch[:gradient] triples (gradient: implicit, the default, or bptt)")
    parser.add_argument("--steps", type=int, nargs="+", default=[5, 30])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--data-dir", type=Path, default=None)
    arguments = parser.parse_args(argv)
    device = torch.device(arguments.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    data_dir = arguments.data_dir or Path(os.environ.get(DATA_DIR_VARIABLE, DEFAULT_DATA))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU, 1 thread"
    print(f"device: {name}; torch {torch.__version__}; median of {arguments.repeats}; seconds")
    print(f"{'model':<16}{'grad':<9}{'batch':>6}{'T':>4} {'sim eager':>10}{'compiled':>9}{'ratio':>6} "
          f"{'step eager':>11}{'compiled':>9}{'ratio':>6} {'first eager':>12}{'compiled':>9}{'break-even':>11}  same")
    for spec in arguments.models:
        preset, batch, *rest = spec.split(":")
        for steps in arguments.steps:
            r = measure(preset, int(batch), steps, rest[0] if rest else "implicit", device, data_dir, arguments.repeats)
            e, c = r["eager"], r["compiled"]
            even = "never" if r["break_even_steps"] is None else f"{r['break_even_steps']:.0f} steps"
            print(f"{r['model']:<16}{r['gradient']:<9}{r['batch']:>6}{r['T']:>4} {e['sim']:>10.4f}{c['sim']:>9.4f}"
                  f"{c['sim'] / e['sim']:>6.2f} {e['step']:>11.4f}{c['step']:>9.4f}{c['step'] / e['step']:>6.2f} "
                  f"{e['first']:>12.2f}{c['first']:>9.2f}{even:>11}  {r['same']}", flush=True)


if __name__ == "__main__":
    main()
