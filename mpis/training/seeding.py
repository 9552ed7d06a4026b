"""Seed every RNG a trial uses, and capture / restore them all for exact resume.

The states: torch (CPU and every CUDA device), numpy's legacy global RNG, Python's ``random``, and
the generators of the DataLoaders (shuffling order and worker seeds). They are stored as tensors,
ints and lists only, so a checkpoint loads with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def capture_rng_states(generators: dict[str, torch.Generator]) -> dict[str, Any]:
    """All global RNG states plus ``generators`` (e.g. the DataLoaders'), checkpoint-safe."""
    _, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "position": int(position),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached_gaussian)},
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
        "generators": {name: g.get_state() for name, g in generators.items()},
    }


def restore_rng_states(states: dict[str, Any], generators: dict[str, torch.Generator]) -> None:
    """Inverse of :func:`capture_rng_states` (CUDA states only where CUDA is available)."""
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    numpy_state = states["numpy"]
    np.random.set_state(("MT19937", numpy_state["keys"].numpy().astype(np.uint32), numpy_state["position"],
                         numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    python_state = states["python"]
    random.setstate((python_state["version"], tuple(python_state["internal"]), python_state["gauss_next"]))
    for name, generator in generators.items():
        generator.set_state(states["generators"][name])
