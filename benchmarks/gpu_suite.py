"""The paper's GPU figures in one command: epoch time, memory and step time against T, MPIS vs IDE,
compiled vs eager, and a Ray Tune study on fractional GPUs; each figure printed beside the paper's.

    PYTHONPATH=. python -m benchmarks.gpu_suite --json gpu_suite.json   # one GPU (an H200), sized for 8 min
    PYTHONPATH=. python -m benchmarks.gpu_suite --tiny                  # CPU CI: the same code, tiny sizes

Sections (``--sections`` runs some of them):

1. ``epoch``: an MPIS Fashion-MNIST training epoch (``mpis_fmnist``, T = 30, batch 128) through the
   project's trainer, and its peak CUDA memory; the paper: 30 s and 1.2G (ALGORITHMS.md §7.3 Table A).
   Real images when ``--data-dir`` holds FashionMNIST/raw, else noise of the same shape (it says which);
   epochs longer than ``--epoch-budget`` seconds are extrapolated from the steps done (it says so).
2. ``memory``: a training step's time and memory at T = 30 and 100 for MPIS (``mpis_cifar10``), IDE
   (``--ide-preset``, by default the 11.8M-parameter ``ide_cifar10_cifarnetf``) and BPTT (``mpis_cifar10``
   unrolled), batch 128, CIFAR-sized noise; "OOM" where CUDA runs out. The paper: MPIS and IDE flat in
   T, BPTT out of memory at T = 100.
3. ``ide``: MPIS's over IDE's training-step time at T = 30 (the paper's epochs: 2 min 34 s / 12 min 10 s
   = 0.21, Table B); the step measurements of section 2 are reused where it ran.
4. ``compile``: ``ModelConfig(compile="off")`` vs ``"on"`` for ``mpis_fmnist``: the simulation and a
   training step, the first call (compilation) apart from the median. ``--tiny`` on CPU runs the
   compiled arm under ``torch.compiler.set_stance("force_eager")`` (inductor takes minutes on a
   2-core CPU) unless ``--compile-on-cpu``.
5. ``study``: ``benchmarks.gpu_suite_study`` (4 trials at 0.25 GPU, each one's peak under its cap).

Sections 1-3 run with ``--compile`` (default ``off``: eager, so their times do not depend on compile
caches; section 4 gives the compiled factor). Step times are medians of ``--repeats`` after one
untimed step; memory is ``torch.cuda.max_memory_allocated`` reset before the timed steps (on CPU the
process's peak RSS) plus the bytes autograd saves for backward (``mpis.saved_memory``, device-free).
A failing section prints FAILED and the rest still run (exit status 1). The sections live in
``benchmarks.gpu_suite_sections`` (5: ``benchmarks.gpu_suite_study``), their timing in
``benchmarks.gpu_timing``. Only mpis and torch are imported (Ray in section 5, where installed).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import torch

from benchmarks.gpu_suite_sections import FULL, RUNNERS, SECTIONS, TINY, Suite
from mpis.data import DATA_DIR_VARIABLE
from mpis.training.device import resolve_device

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def header(suite: Suite, argv: list[str]) -> dict:
    name = torch.cuda.get_device_name(suite.device) if suite.device.type == "cuda" else \
        f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads)"
    sizes = suite.sizes
    info = {"device": name, "torch": torch.__version__, "cuda": torch.version.cuda, "python": platform.python_version(),
            "command": " ".join(["python -m benchmarks.gpu_suite", *argv]), "tiny": suite.tiny,
            "T": list(sizes.steps), "batch": sizes.batch, "repeats": sizes.repeats, "compile": suite.compile}
    print(f"gpu_suite | device: {name} | torch {torch.__version__} (CUDA {torch.version.cuda}) | "
          f"python {info['python']}")
    print(f"command: {info['command']}")
    print(f"sizes: {'tiny' if suite.tiny else 'full'} (T={sizes.steps[0]}/{sizes.steps[1]} for the paper's 30/100, "
          f"batch {sizes.batch}, median of {sizes.repeats}, backward max_iter {sizes.solver_iterations or 'of the preset'}); "
          f"sections 1-3 with compile={suite.compile}")
    return info


def finite(value):
    """``value`` with every non-finite float as None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_suite", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--tiny", action="store_true", help="tiny sizes (T=3/5, batch 2, 64 images, 5 solver iterations) for CPU "
        "CI: every code path")
    add("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: CUDA when available")
    add("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    add("--data-dir", type=Path, help=f"holds FashionMNIST/raw; default ${DATA_DIR_VARIABLE}, else ../shared/data")
    add("--json", type=Path, help="also write every figure to this JSON file")
    add("--repeats", type=int, help="timed steps per measurement (median); default 3, --tiny 2")
    add("--compile", choices=["auto", "on", "off"], default="off", help="ModelConfig.compile of sections 1-3")
    add("--ide-preset", default="ide_cifar10_cifarnetf", help="the IDE model of sections 2 and 3")
    add("--epoch-budget", type=float, help="section 1: seconds timed before extrapolating (default 75)")
    add("--memory-cap-gb", type=float, help="section 2: cap this process's CUDA memory (the paper's GPU size)")
    add("--study-mode", choices=["auto", "run", "preflight"], default="auto",
        help="section 5: run the study, or only its checks (auto: preflight with --tiny on CPU)")
    add("--compile-on-cpu", action="store_true", help="section 4 with --tiny on CPU: really compile (minutes)")
    add("--threads", type=int, default=1, help="torch threads on CPU; default 1")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        device = resolve_device(args.device)
    except ValueError as error:
        parser.error(str(error))
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    sizes = TINY if args.tiny else FULL
    sizes = dataclasses.replace(sizes, repeats=args.repeats or sizes.repeats,
                                epoch_budget_s=sizes.epoch_budget_s if args.epoch_budget is None else args.epoch_budget)
    data_dir = args.data_dir or Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA)
    suite = Suite(device=device, sizes=sizes, tiny=args.tiny, compile=args.compile, data_dir=data_dir.resolve(),
                  ide_preset=args.ide_preset, study_mode=args.study_mode, compile_on_cpu=args.compile_on_cpu,
                  memory_cap_gb=args.memory_cap_gb)
    started = time.perf_counter()
    report = {"header": header(suite, argv), "sections": {}}
    for name in SECTIONS:
        if name not in args.sections:
            continue
        runner, title = RUNNERS[name]
        print(f"\n== {title} ==", flush=True)
        section_start = time.perf_counter()
        try:
            result = runner(suite)
        except Exception as error:  # one broken section must not cost the others their device time
            print(f"FAILED: {type(error).__name__}: {error}")
            result = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
        result.setdefault("status", "ok")
        result["seconds"] = time.perf_counter() - section_start
        print(f"({result['seconds']:.1f} s)", flush=True)
        report["sections"][name] = result
    report["seconds"] = time.perf_counter() - started
    print(f"\ntotal {report['seconds']:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(finite(report), indent=1, allow_nan=False) + "\n")
        print(f"figures written to {args.json}")
    return int(any(s["status"] == "failed" for s in report["sections"].values()))


if __name__ == "__main__":
    sys.exit(main())
