"""Broyden's fused CPU step (``broyden_kernel.c``), built with the system C compiler and loaded by ctypes.

The shared object is cached in ``$MPIS_KERNEL_CACHE`` (default ``~/.cache/mpis/kernels``, created
private to the user), named by a hash of the source, the compiler flags and this CPU, so a node
sharing its home directory never loads code built for another CPU; a cache directory owned by
someone else or writable by others is never loaded from. Where no compiler works, or
``MPIS_NATIVE_KERNELS=0``, :func:`broyden_step` returns None, the solver runs its PyTorch form and
a warning says why, once per process.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("broyden_kernel.c")
FLAGS = ["-O3", "-march=native", "-fopenmp-simd", "-std=c99", "-shared", "-fPIC"]
_POINTER, _LONG = ctypes.c_void_p, ctypes.c_long
_SIGNATURE = [_POINTER, _POINTER, _POINTER, ctypes.POINTER(_POINTER), _POINTER] + [_LONG] * 6 + [_POINTER, _POINTER]


def _cpu_identity() -> str:
    """This CPU's model and feature flags (what ``-march=native`` compiles for)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return "".join(next((line for line in lines if line.startswith(key)), "") for key in ("model name", "flags"))
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _private_directory(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = path.stat()
    if status.st_uid != os.getuid() or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PermissionError(f"{path} is not private to this user")
    return path


def _build() -> ctypes.CDLL:
    compiler = os.environ.get("CC", "cc")
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(b"\0".join([source, " ".join([compiler, *FLAGS]).encode(), _cpu_identity().encode()]))
    cache = _private_directory(Path(os.environ.get("MPIS_KERNEL_CACHE", Path.home() / ".cache" / "mpis" / "kernels")))
    target = cache / f"broyden_{digest.hexdigest()[:20]}.so"
    if not target.exists():  # build beside it, then rename: concurrent trial workers never see half a file
        descriptor, partial = tempfile.mkstemp(suffix=".so", dir=cache)
        os.close(descriptor)
        try:
            subprocess.run([compiler, *FLAGS, str(SOURCE), "-o", partial], check=True, capture_output=True, timeout=120)
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
    library = ctypes.CDLL(str(target))
    for dtype in ("float32", "float64"):
        function = getattr(library, f"broyden_step_{dtype}")
        function.argtypes, function.restype = _SIGNATURE, ctypes.c_double
    return library


@functools.cache
def _library() -> ctypes.CDLL | str:
    """The loaded kernel library, or why there is none."""
    if os.environ.get("MPIS_NATIVE_KERNELS", "1") == "0":
        return "MPIS_NATIVE_KERNELS=0"
    try:
        return _build()
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        return f"{type(error).__name__}: {error} {detail.decode(errors='replace').strip()[:200]}".strip()


def unavailable_reason() -> str | None:
    """None when the kernel is loaded, else why it is not."""
    library = _library()
    return library if isinstance(library, str) else None


def describe() -> str:
    """One line for benchmark headers: which form of Broyden's step a CPU run uses."""
    reason = unavailable_reason()
    return "fused C kernel" if reason is None else f"PyTorch form ({reason})"


@functools.cache
def _warn_once(reason: str) -> None:
    warnings.warn(f"Broyden's fused CPU step is unavailable ({reason}); its PyTorch form runs instead", RuntimeWarning)


def broyden_step(tensor: torch.Tensor):
    """The kernel's step function for ``tensor``'s dtype when it is a CPU float32/float64 tensor, else None."""
    if tensor.device.type != "cpu" or tensor.dtype not in (torch.float32, torch.float64):
        return None
    library = _library()
    if isinstance(library, str):
        _warn_once(library)
        return None
    return getattr(library, f"broyden_step_{str(tensor.dtype).removeprefix('torch.')}")
