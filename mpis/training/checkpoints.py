"""Checkpoints: one directory per epoch, written atomically, loaded with ``weights_only=True``.

A checkpoint directory holds ``checkpoint.pt`` (model, optimizer, schedule position, RNG states,
epoch, metric history and the flat config) and ``metrics.json`` (the epoch's metrics, for people).
It is written into a hidden temporary directory beside its final name and renamed into place, so a
trial killed mid-write leaves either the old state or the new one, never half a checkpoint.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_FILE = "checkpoint.pt"
METRICS_FILE = "metrics.json"


def save_checkpoint(state: dict[str, Any], metrics: dict[str, Any], directory: Path) -> Path:
    """Write ``state`` and ``metrics`` into ``directory`` (replaced if it exists) atomically."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    with open(staging / CHECKPOINT_FILE, "wb") as file:
        torch.save(state, file)
        file.flush()
        os.fsync(file.fileno())
    (staging / METRICS_FILE).write_text(json.dumps(json_safe(metrics), indent=1) + "\n")
    if directory.exists():
        shutil.rmtree(directory)  # a leftover of an earlier run of the same epoch
    os.replace(staging, directory)
    return directory


CHECKPOINT_KEYS = ("format", "config", "epoch", "iteration", "history", "model", "optimizer", "rng")


def load_checkpoint(directory: str | Path) -> dict[str, Any]:
    """The state saved by :func:`save_checkpoint`, on the CPU, loaded with ``weights_only=True``
    (tensors and plain values only); a one-line ``ValueError`` if there is none, if the file is
    truncated or not a torch file, or if it is not a checkpoint of ``mpis.training.fit``."""
    allowed = f"a checkpoint directory holding {CHECKPOINT_FILE} (one written by mpis.training.fit)"
    path = Path(directory) / CHECKPOINT_FILE
    if not path.is_file():
        raise ValueError(f"resume_from={str(directory)!r} is invalid; allowed: {allowed}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated zip, not a torch file, a pickle weights_only refuses, ...
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ValueError(f"resume_from={str(directory)!r} is invalid: {CHECKPOINT_FILE} cannot be read "
                         f"({reason[:200]}); allowed: {allowed}") from None
    missing = [key for key in CHECKPOINT_KEYS if not isinstance(state, dict) or key not in state]
    if missing:
        raise ValueError(f"resume_from={str(directory)!r} is invalid: {CHECKPOINT_FILE} is not a checkpoint of "
                         f"mpis.training.fit (it lacks {', '.join(missing)}); allowed: {allowed}")
    return state


def json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """Non-finite floats become ``None`` (strict JSON has no NaN or Infinity)."""
    return {key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in values.items()}
