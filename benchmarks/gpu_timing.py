"""Timed training on one device, for ``benchmarks.gpu_suite``: an epoch of the project's own trainer,
a training step, the no-grad T-step simulation. CUDA-synchronised around every timed call, medians of
the repeats, the first call (compilation, cuDNN autotuning, allocator growth) reported on its own, and
the peak memory reset before what it measures (``torch.cuda.max_memory_allocated``; on CPU the
process's peak RSS, which cannot be reset).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mpis.config import ModelConfig, TrainConfig
from mpis.models import build_model
from mpis.saved_memory import saved_tensor_bytes
from mpis.training.device import peak_memory_mb, reset_peak_memory, synchronize
from mpis.training.schedule import build_optimizer
from mpis.training.train_epoch import train_one_epoch

OUT_OF_MEMORY = torch.cuda.OutOfMemoryError


def build_on(config: ModelConfig, device: torch.device) -> nn.Module:
    """``build_model(config)`` on ``device``. Dynamo is reset before a model that may compile: its
    first call compiles afresh, and no model built earlier uses up the recompilation limit of the
    simulation step they all share."""
    if getattr(config, "compile", "off") != "off":
        torch._dynamo.reset()
    return build_model(config).to(device)


def release(device: torch.device) -> None:
    """Free what the last measurement left (its model, graphs, cached blocks)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def timed(function: Callable[[], object], device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    function()
    synchronize(device)
    return time.perf_counter() - start


def time_simulation(model: nn.Module, inputs: Tensor, repeats: int) -> dict:
    """The T-step simulation alone (a training-mode forward under no-grad): first call, then median."""
    model.train()

    def simulate():
        with torch.no_grad():
            model(inputs)

    first = timed(simulate, inputs.device)
    return {"first_s": first, "median_s": statistics.median(timed(simulate, inputs.device) for _ in range(repeats))}


def time_training_step(model: nn.Module, inputs: Tensor, labels: Tensor, repeats: int) -> dict:
    """One SGD step (forward, backward, update) first, then the median of ``repeats``; the bytes
    autograd saves for backward (device-independent); the peak memory of the timed steps; the backward
    solver's VJPs per step (implicit models). A learning rate of 1e-6 keeps the weights where they are."""
    device = inputs.device
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    model.train()
    iterations: list[int] = []

    def step():
        optimizer.zero_grad(set_to_none=True)
        output = model(inputs)
        F.cross_entropy(output.logits, labels).backward()
        optimizer.step()
        if output.backward is not None:
            iterations.append(output.backward.steps)

    first = timed(step, device)
    saved = saved_tensor_bytes(model, inputs, labels)
    reset_peak_memory(device)
    times = [timed(step, device) for _ in range(repeats)]
    peak, kind = peak_memory_mb(device)
    return {"first_s": first, "step_s": statistics.median(times), "saved_mb": saved / 2**20, "peak_mb": peak,
            "memory_kind": kind, "backward_iterations": statistics.mean(iterations) if iterations else None}


class BudgetedBatches:
    """One epoch of shuffled batches from host tensors (as a DataLoader without workers gives them),
    stopping early once ``budget_s`` seconds have passed since the first batch. ``timed`` counts the
    steps that finished (a batch counts when the next one is asked for, i.e. after its step)."""

    def __init__(self, images: Tensor, labels: Tensor, batch_size: int, budget_s: float, seed: int = 0):
        self.images, self.labels, self.batch_size, self.budget_s = images, labels, batch_size, budget_s
        self.order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        remainder = len(images) % batch_size
        self.count = len(images) // batch_size + (remainder > 1)  # a last batch of one is dropped (BN)
        self.timed = 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        start = time.perf_counter()
        for index in range(self.count):
            if index > 0 and time.perf_counter() - start > self.budget_s:
                return
            chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
            yield self.images[chosen], self.labels[chosen]
            self.timed += 1


def time_epoch(model: nn.Module, images: Tensor, labels: Tensor, *, batch_size: int, budget_s: float,
               device: torch.device, warmup_batches: int = 2) -> dict:
    """A training epoch of ``mpis.training.train_epoch.train_one_epoch`` (what ``mpis.train`` reports as
    ``epoch_time_s``: SGD lr 0.05, momentum 0.9, the per-step divergence checks and metrics), after the
    BN calibration a training run starts with and ``warmup_batches`` untimed steps. When the epoch would
    outlast ``budget_s``, the steps done in it are timed and the epoch extrapolated from them."""
    train = TrainConfig(milestones=())
    calibration = images[:256].to(device)
    model.calibrate_batch_norm(calibration)
    optimizer = build_optimizer(model, train)
    warmup = BudgetedBatches(images[:warmup_batches * batch_size], labels[:warmup_batches * batch_size],
                             batch_size, math.inf, seed=1)
    train_one_epoch(model, warmup, optimizer, train, epoch=1, first_iteration=0, device=device)
    batches = BudgetedBatches(images, labels, batch_size, budget_s)
    reset_peak_memory(device)
    synchronize(device)
    start = time.perf_counter()
    totals = train_one_epoch(model, batches, optimizer, train, epoch=1, first_iteration=len(warmup), device=device)
    synchronize(device)
    measured = time.perf_counter() - start
    peak, kind = peak_memory_mb(device)
    full = batches.timed == len(batches)
    return {"epoch_s": measured if full else measured * len(batches) / batches.timed, "measured_s": measured,
            "full_epoch": full, "batches_timed": batches.timed, "batches": len(batches), "images": len(images),
            "batch_size": batch_size, "peak_mb": peak, "memory_kind": kind,
            "backward_iterations": statistics.mean(totals.backward_steps) if totals.backward_steps else None,
            "train_accuracy": 100.0 * totals.correct / max(totals.samples, 1)}
