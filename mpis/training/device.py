"""The training device, its name, synchronisation for honest timing, and peak memory.

Peak memory is measured from :func:`reset_peak_memory` (called at the start of every training
epoch) to :func:`peak_memory_mb`, so it belongs to that epoch of that run even when one process
runs several trials in turn (a reused Ray Tune worker). Its kind says what it is:

* ``cuda_max_allocated``: ``torch.cuda.max_memory_allocated`` (tensors only), reset by
  ``torch.cuda.reset_peak_memory_stats``;
* ``cpu_epoch_peak_rss`` (Linux): the process's peak resident set size (the kernel's ``VmHWM``,
  Python and PyTorch runtime included), reset to the current RSS by writing ``5`` to
  ``/proc/self/clear_refs``: exact, not sampled;
* ``cpu_peak_rss``: where that reset is not possible, ``ru_maxrss``, the peak since the process
  started (in a reused worker, the largest of every trial it ran so far).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import sys

import torch

from mpis.config import require

CUDA_MEMORY_KIND = "cuda_max_allocated"
CPU_EPOCH_MEMORY_KIND = "cpu_epoch_peak_rss"
CPU_MEMORY_KIND = "cpu_peak_rss"
_CLEAR_REFS, _STATUS = "/proc/self/clear_refs", "/proc/self/status"


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


def reset_peak_memory(device: torch.device) -> bool:
    """Start a new peak; ``False`` when the CPU peak cannot be reset (then it counts from the start)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return True
    try:
        with open(_CLEAR_REFS, "w") as clear_refs:
            clear_refs.write("5")  # Linux >= 4.0: VmHWM := the current RSS
        return True
    except OSError:
        return False


def peak_memory_mb(device: torch.device, *, since_reset: bool = True) -> tuple[float, str]:
    """``(megabytes, kind)``: the peak since :func:`reset_peak_memory` (``since_reset``, what it
    returned) or, for ``cpu_peak_rss``, since the process started; kinds in the module docstring."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, CUDA_MEMORY_KIND
    if since_reset:
        with open(_STATUS) as status:
            high_water_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        return high_water_kib / 2**10, CPU_EPOCH_MEMORY_KIND
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss / (2**20 if sys.platform == "darwin" else 2**10), CPU_MEMORY_KIND


def release_free_memory() -> None:
    """Hand back what an earlier run in this process left: unreachable objects, CUDA's cached
    blocks and glibc's free heap (``malloc_trim``), so the next run's peak starts from its own."""
    gc.collect()
    if torch.cuda.is_initialized():
        torch.cuda.empty_cache()
    libc = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if libc:
        try:
            ctypes.CDLL(libc).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass
