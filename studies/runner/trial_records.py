"""The files a trial writes into its own folder of the study directory (see studies/README.md).

They are written straight into ``<experiment_dir>/<trial folder>/`` on the storage path (local disk
or a shared file system), not into Tune's per-node artifact folder, so a trial that is retried on
another node appends to the same ``mpis_attempts.jsonl`` and a record survives a kill before the
trial's first report.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ray

from analysis.study_files import (
    ATTEMPTS_FILE,
    CONFIG_FILE,
    HOSTNAME,
    NODE,
    NODE_ID,
    PROGRESS_FILE,
)
from mpis.config import ExperimentConfig
from mpis.config_io import config_to_flat_dict


def node_identity() -> dict[str, str]:
    """``{node: IP, node_id: Ray node id, hostname: host name}`` of the node running this process."""
    return {NODE: ray.util.get_node_ip_address(), NODE_ID: ray.get_runtime_context().get_node_id(),
            HOSTNAME: socket.gethostname()}


def write_trial_config(trial_dir: Path, config: ExperimentConfig) -> None:
    trial_dir.mkdir(parents=True, exist_ok=True)
    (trial_dir / CONFIG_FILE).write_text(json.dumps(config_to_flat_dict(config), indent=1) + "\n")


def append_attempt(trial_dir: Path, identity: dict[str, Any], resumed_from_epoch: int) -> None:
    """Add one line to ``mpis_attempts.jsonl``: who started this attempt, where, from which epoch.

    ``started`` has millisecond precision (benchmarks/study_overhead.py measures start-up with it).
    """
    path = trial_dir / ATTEMPTS_FILE
    attempt = 1 + (len(path.read_text().splitlines()) if path.is_file() else 0)
    record = {"attempt": attempt, **identity, "pid": os.getpid(),
              "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
              "resumed_from_epoch": resumed_from_epoch}
    with open(path, "a") as file:
        file.write(json.dumps(record) + "\n")


def read_attempts(trial_dir: Path) -> list[dict[str, Any]]:
    path = Path(trial_dir) / ATTEMPTS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def mark_checkpoint_epoch(checkpoint_dir: str | Path, epoch: int) -> None:
    """Record inside a checkpoint which epoch it ends, so a restart knows without loading it."""
    (Path(checkpoint_dir) / PROGRESS_FILE).write_text(json.dumps({"epoch": epoch}) + "\n")


def checkpoint_epoch(checkpoint_dir: str | Path) -> int:
    """The epoch a checkpoint ends (0 if it carries no mark)."""
    path = Path(checkpoint_dir) / PROGRESS_FILE
    return int(json.loads(path.read_text())["epoch"]) if path.is_file() else 0
