"""Sections 1-5 of ``benchmarks.gpu_suite``: what each measures and prints beside the paper's figures,
given a :class:`Suite` (the device, the sizes, the command line's choices). See that module's docstring."""

from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

from benchmarks.gpu_suite_study import run_study_section
from benchmarks.gpu_timing import (
    OUT_OF_MEMORY,
    build_on,
    release,
    time_epoch,
    time_simulation,
    time_training_step,
)
from mpis.config import DataConfig, ExperimentConfig, ModelConfig, SimulationConfig, SolverConfig
from mpis.models import PRESETS, count_parameters, with_preset_defaults

SECTIONS = ("epoch", "memory", "ide", "compile", "study")
CIFAR10_TRAIN_IMAGES = 50_000


@dataclass(frozen=True)
class Sizes:
    steps: tuple[int, int]  # stand-ins for the paper's T = 30 and T = 100
    batch: int  # sections 2-4
    epoch_images: int | None  # section 1; None: all 60,000
    epoch_batch: int | None  # section 1; None: the preset's training batch (128)
    repeats: int
    epoch_budget_s: float
    study_timeout_s: float
    solver_iterations: int | None = None  # the backward solver's max_iter; None: the preset's (30)


FULL = Sizes(steps=(30, 100), batch=128, epoch_images=None, epoch_batch=None, repeats=3, epoch_budget_s=75.0,
             study_timeout_s=180.0)
TINY = Sizes(steps=(3, 5), batch=2, epoch_images=64, epoch_batch=16, repeats=2, epoch_budget_s=60.0,
             study_timeout_s=300.0, solver_iterations=5)


@dataclass
class Suite:
    device: torch.device
    sizes: Sizes
    tiny: bool
    compile: str  # ModelConfig.compile of sections 1-3
    data_dir: Path
    ide_preset: str
    study_mode: str
    compile_on_cpu: bool
    memory_cap_gb: float | None
    steps_cache: dict = field(default_factory=dict)

    def model_config(self, preset: str, steps: int, gradient: str = "implicit", **overrides) -> ModelConfig:
        overrides.setdefault("compile", self.compile)
        if self.sizes.solver_iterations is not None:
            overrides["backward"] = SolverConfig(max_iter=self.sizes.solver_iterations)
        return ModelConfig(preset=preset, gradient=gradient, simulation=SimulationConfig(time_steps=steps),
                           **overrides)


def _figure(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def fashion_mnist(data_dir: Path, limit: int | None) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Fashion-MNIST's training split, normalised as ``mpis.data`` does, when ``data_dir`` holds it;
    else uniform noise of its shape with random labels. Returns (images, labels, what they are)."""
    from mpis.data.dataset_missing import DatasetMissing

    if (data_dir / "FashionMNIST" / "raw").is_dir():
        from mpis.data.mnist_family import open_fashion_mnist

        try:
            config = DataConfig(dataset="fashion_mnist", data_dir=str(data_dir), download=False)
            images, labels = open_fashion_mnist(data_dir, config, 1).train.tensors
            return images[:limit], labels[:limit], f"real Fashion-MNIST ({data_dir})"
        except DatasetMissing:
            pass
    count = limit or 60_000
    generator = torch.Generator().manual_seed(0)
    return (torch.rand(count, 1, 28, 28, generator=generator), torch.randint(0, 10, (count,), generator=generator),
            f"synthetic: uniform noise of Fashion-MNIST's shape (no FashionMNIST/raw under {data_dir})")


def section_epoch(suite: Suite) -> dict:
    preset, steps = "mpis_fmnist", suite.sizes.steps[0]
    batch = suite.sizes.epoch_batch or with_preset_defaults(ExperimentConfig(), preset).data.batch_size
    images, labels, source = fashion_mnist(suite.data_dir, suite.sizes.epoch_images)
    print(f"{preset}, T={steps}, batch {batch}, {len(images):,} training images: {source}")
    torch.manual_seed(0)
    model = build_on(suite.model_config(preset, steps), suite.device)
    r = time_epoch(model, images, labels, batch_size=batch, budget_s=suite.sizes.epoch_budget_s, device=suite.device)
    how = ("full epoch" if r["full_epoch"] else
           f"extrapolated from {r['batches_timed']} of {r['batches']} batches timed in {r['measured_s']:.1f} s")
    print(f"ours:  {r['epoch_s']:.1f} s per epoch ({how}), {len(images) / r['epoch_s']:.0f} images/s; "
          f"peak {r['peak_mb']:.0f} MB ({r['memory_kind']}); backward {_figure(r['backward_iterations'], 1)} "
          f"VJPs per step")
    print("paper: 30 s per epoch, 1.2G (MPIS, F-MNIST, T=30; BPTT: 31 s, 2.1G; Table A)")
    release(suite.device)
    return {**r, "preset": preset, "T": steps, "data": source, "paper_epoch_s": 30.0, "paper_memory_gb": 1.2}


def measure_step(suite: Suite, preset: str, gradient: str, steps: int) -> dict:
    """A training step of ``preset`` on CIFAR-sized noise (BN calibrated first for implicit models),
    or ``status="OOM"``; measured once per (preset, gradient, T) and reused."""
    key = (preset, gradient, steps)
    if key in suite.steps_cache:
        return suite.steps_cache[key]
    spec, batch, device = PRESETS[preset], suite.sizes.batch, suite.device
    torch.manual_seed(0)
    row = {"preset": preset, "gradient": gradient, "T": steps, "batch": batch, "parameters": None}
    try:
        inputs = torch.rand(batch, *spec.input_shape, device=device)
        labels = torch.randint(0, spec.num_classes, (batch,), device=device)
        model = build_on(suite.model_config(preset, steps, gradient), device)
        row["parameters"] = count_parameters(model)
        model.calibrate_batch_norm(inputs)  # a no-op for BPTT
        row.update(time_training_step(model, inputs, labels, suite.sizes.repeats), status="ok")
    except OUT_OF_MEMORY:
        row["status"] = "OOM"
    model = inputs = labels = None
    release(device)
    suite.steps_cache[key] = row
    return row


def _memory_cap(suite: Suite):
    """``--memory-cap-gb``: this process sees a GPU of that size during section 2 (the paper's was smaller)."""
    if suite.memory_cap_gb is None or suite.device.type != "cuda":
        return contextlib.nullcontext()
    total = torch.cuda.get_device_properties(suite.device).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, suite.memory_cap_gb * 2**30 / total), suite.device)
    print(f"memory capped at {suite.memory_cap_gb:g} GB of {total / 2**30:.0f}")
    restore = contextlib.ExitStack()
    restore.callback(torch.cuda.set_per_process_memory_fraction, 1.0, suite.device)
    return restore


def section_memory(suite: Suite) -> dict:
    variants = (("MPIS", "mpis_cifar10", "implicit"), ("IDE", suite.ide_preset, "implicit"),
                ("BPTT", "mpis_cifar10", "bptt"))
    rows = []
    with _memory_cap(suite):
        for label, preset, gradient in variants:
            for steps in suite.sizes.steps:
                rows.append({"label": label, **measure_step(suite, preset, gradient, steps)})
    print(f"batch {suite.sizes.batch}, CIFAR-sized noise; median of {suite.sizes.repeats} steps")
    print(f"{'model':5} {'preset':22} {'params':>11} {'T':>4} {'step s':>8} {'saved MB':>9} {'peak MB':>9} "
          f"{'VJPs':>5}  memory")
    for r in rows:
        if r["status"] != "ok":
            print(f"{r['label']:5} {r['preset']:22} {r['parameters'] or 0:>11,} {r['T']:>4} {'OOM':>8}")
            continue
        print(f"{r['label']:5} {r['preset']:22} {r['parameters']:>11,} {r['T']:>4} {r['step_s']:8.3f} "
              f"{r['saved_mb']:9.1f} {r['peak_mb']:9.0f} {_figure(r['backward_iterations'], 1):>5}  {r['memory_kind']}")
    low, high = suite.sizes.steps
    ratios = {}
    for label, _, _ in variants:
        a, b = (next(r for r in rows if r["label"] == label and r["T"] == t) for t in (low, high))
        ok = a["status"] == b["status"] == "ok"
        ratios[label] = {key: b[key] / a[key] if ok else None for key in ("saved_mb", "peak_mb", "step_s")}
        shown = (f"saved {ratios[label]['saved_mb']:.2f}x, peak {ratios[label]['peak_mb']:.2f}x, "
                 f"step {ratios[label]['step_s']:.2f}x") if ok else f"T={low} {a['status']}, T={high} {b['status']}"
        print(f"T={high} / T={low}, {label}: {shown}")
    print("paper: MPIS memory flat in T (F-MNIST 1.2G at T=30 and 100, Table A); IDE (AlexNet-F, 3.7M) 2.8G at "
          "T=30 and 100; STBP/BPTT 11G at T=30, out of memory (~36G) at T=100")
    return {"rows": rows, "ratios": ratios, "batch": suite.sizes.batch}


def section_ide(suite: Suite) -> dict:
    steps, batch = suite.sizes.steps[0], suite.sizes.batch
    mpis, ide = (measure_step(suite, preset, "implicit", steps) for preset in ("mpis_cifar10", suite.ide_preset))
    per_epoch = math.ceil(CIFAR10_TRAIN_IMAGES / batch)
    result = {"T": steps, "batch": batch, "mpis": mpis, "ide": ide, "ratio": None, "paper_ratio": 154 / 730}
    if mpis["status"] == ide["status"] == "ok":
        result["ratio"] = mpis["step_s"] / ide["step_s"]
        print(f"ours:  MPIS (mpis_cifar10, {mpis['parameters']:,}) {mpis['step_s']:.3f} s per step, IDE "
              f"({suite.ide_preset}, {ide['parameters']:,}) {ide['step_s']:.3f} s at T={steps}, batch {batch}: "
              f"MPIS / IDE = {result['ratio']:.2f}")
        print(f"       per CIFAR-10 epoch ({per_epoch} steps, data loading excluded): MPIS ~{mpis['step_s'] * per_epoch:.0f} s, "
              f"IDE ~{ide['step_s'] * per_epoch:.0f} s")
    else:
        print(f"ours:  MPIS {mpis['status']}, IDE {ide['status']}: no ratio")
    print("paper: MPIS 2 min 34 s, IDE 12 min 10 s per epoch (CIFAR-10, 11.8M each, T=30; Table B): 0.21")
    return result


def section_compile(suite: Suite) -> dict:
    preset, steps, batch, device = "mpis_fmnist", suite.sizes.steps[0], suite.sizes.batch, suite.device
    forced = device.type == "cpu" and suite.tiny and not suite.compile_on_cpu
    spec = PRESETS[preset]
    torch.manual_seed(0)
    inputs = torch.rand(batch, *spec.input_shape, device=device)
    labels = torch.randint(0, spec.num_classes, (batch,), device=device)
    eager = build_on(suite.model_config(preset, steps, compile="off"), device)
    eager.calibrate_batch_norm(inputs)
    weights = copy.deepcopy(eager.state_dict())  # both arms start from the same calibrated weights
    figures = {}
    for mode in ("off", "on"):
        if mode == "on":
            model = build_on(suite.model_config(preset, steps, compile="on"), device)
            model.load_state_dict(weights)
        else:
            model = eager
        stance = torch.compiler.set_stance("force_eager") if forced and mode == "on" else contextlib.nullcontext()
        with stance:
            simulation = time_simulation(model, inputs, suite.sizes.repeats)
            step = time_training_step(model, inputs, labels, suite.sizes.repeats)
        figures[mode] = {"simulation_first_s": simulation["first_s"], "simulation_s": simulation["median_s"],
                         "step_first_s": step["first_s"], "step_s": step["step_s"], "peak_mb": step["peak_mb"]}
    model = eager = None
    release(device)
    if forced:
        print("tiny on CPU: the compiled arm ran under torch.compiler.set_stance('force_eager') (nothing compiled; "
              "--compile-on-cpu compiles)")
    print(f"{preset}, T={steps}, batch {batch}, median of {suite.sizes.repeats}")
    print(f"{'':26} {'eager (off)':>12} {'compiled (on)':>14} {'eager/compiled':>15}")
    for name, key in (("simulation, first call", "simulation_first_s"), ("simulation", "simulation_s"),
                      ("training step, first call", "step_first_s"), ("training step", "step_s")):
        speedup = "" if "first" in key else f"{figures['off'][key] / figures['on'][key]:14.2f}x"
        print(f"{name:26} {figures['off'][key]:11.3f}s {figures['on'][key]:13.3f}s {speedup:>15}")
    print("paper: no figure (torch.compile is this project's; the first call is the compile time)")
    return {"status": "ok", "forced_eager": forced, "T": steps, "batch": batch, **figures,
            "simulation_speedup": figures["off"]["simulation_s"] / figures["on"]["simulation_s"],
            "step_speedup": figures["off"]["step_s"] / figures["on"]["step_s"]}


def section_study(suite: Suite) -> dict:
    mode = suite.study_mode if suite.study_mode != "auto" else (
        "preflight" if suite.tiny and suite.device.type == "cpu" else "run")
    return run_study_section(suite.device, mode, suite.sizes.study_timeout_s)


RUNNERS = {"epoch": (section_epoch, "1. Fashion-MNIST MPIS: time per training epoch, peak memory"),
           "memory": (section_memory, "2. memory and step time at T=30 and T=100: MPIS, IDE, BPTT (CIFAR-10)"),
           "ide": (section_ide, "3. MPIS vs IDE: time per training step at T=30"),
           "compile": (section_compile, "4. compiled vs eager (ModelConfig.compile)"),
           "study": (section_study, "5. Ray Tune study: 4 trials at 0.25 GPU, peak memory within each cap")}


