"""The training device, its name, synchronisation for honest timing, and peak memory.

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` since the last :func:`reset_peak_memory`
(once per epoch); on CPU the process's peak resident set size (``ru_maxrss``), which cannot be
reset and so is the peak since the process started.
"""

from __future__ import annotations

import resource
import sys

import torch

from mpis.config import require

CUDA_MEMORY_KIND = "cuda_max_allocated"
CPU_MEMORY_KIND = "cpu_peak_rss"


def resolve_device(requested: str) -> torch.device:
    """``"auto"``: CUDA when available, else CPU. ``"cuda"`` without CUDA is a ``ValueError``."""
    available = torch.cuda.is_available()
    require(requested != "cuda" or available, "device", requested, "auto or cpu (CUDA is not available)")
    return torch.device("cuda" if requested == "cuda" or (requested == "auto" and available) else "cpu")


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mb(device: torch.device) -> tuple[float, str]:
    """``(megabytes, kind)`` with kind ``"cuda_max_allocated"`` or ``"cpu_peak_rss"``."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, CUDA_MEMORY_KIND
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss / (2**20 if sys.platform == "darwin" else 2**10), CPU_MEMORY_KIND
