"""Measure one training step of a model: median wall time, bytes saved for backward, peak memory.

Memory is measured without timing: ``mpis.saved_memory.saved_tensor_bytes`` counts every byte
autograd keeps for the backward pass of one step (storage-deduplicated). On CUDA the peak is
``torch.cuda.max_memory_allocated``; on CPU the process's peak RSS is reported as well (it includes
the Python runtime, so compare ratios).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mpis.saved_memory import saved_tensor_bytes


@dataclass
class StepMeasurement:
    median_step_s: float
    saved_bytes: int  # bytes autograd saved for backward in one step
    peak_memory_mb: float  # CUDA max allocated, else process peak RSS
    memory_kind: str


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_training_step(model: nn.Module, inputs: Tensor, labels: Tensor, repeats: int = 5) -> StepMeasurement:
    """Warm up once, then time ``repeats`` SGD steps (forward, backward, update)."""
    device = inputs.device
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    model.train()
    saved = saved_tensor_bytes(model, inputs, labels)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(repeats + 1):
        _synchronize(device)
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(inputs).logits, labels).backward()
        optimizer.step()
        _synchronize(device)
        times.append(time.perf_counter() - start)
    if device.type == "cuda":
        peak, kind = torch.cuda.max_memory_allocated(device) / 2**20, "cuda_max_allocated"
    else:
        peak, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cpu_peak_rss"
    return StepMeasurement(statistics.median(times[1:]), saved, peak, kind)


def run_measurement_in_child(module: str, arguments: list[str]) -> dict:
    """Run ``python -m <module> <arguments>`` and parse the JSON dict on its last stdout line.

    One child per configuration, so the process peak RSS belongs to that configuration alone. A fixed
    mmap threshold makes glibc return each freed step buffer at once; with its default dynamic
    threshold, freed buffers linger in the heap and peak RSS varies by +-15% run to run.
    """
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    output = subprocess.run([sys.executable, "-m", module, *arguments], check=True, capture_output=True,
                            text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])
