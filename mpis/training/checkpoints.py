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


def load_checkpoint(directory: str | Path) -> dict[str, Any]:
    """The state saved by :func:`save_checkpoint`, on the CPU; a ``ValueError`` if there is none."""
    path = Path(directory) / CHECKPOINT_FILE
    if not path.is_file():
        raise ValueError(f"resume_from={str(directory)!r} is invalid; allowed: a checkpoint directory "
                         f"holding {CHECKPOINT_FILE} (one written by mpis.training.fit)")
    return torch.load(path, map_location="cpu", weights_only=True)


def json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """Non-finite floats become ``None`` (strict JSON has no NaN or Infinity)."""
    return {key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in values.items()}
