"""``mpis_study.json``: what a study directory holds, written before its first trial starts.

Fields (see studies/README.md): study, table, preset, search, metric, mode, max_epochs, seed,
data_dir, hardware, ray/optuna/torch versions, started, argv, and ``resumed`` (one time per resume).
``--resume`` reads preset, seed and data_dir back from it, so a resumed study runs what it ran before.
"""

from __future__ import annotations

import json
import platform
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import optuna
import ray
import torch

from analysis.study_files import MANIFEST_FILE


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def cpu_model() -> str:
    """The CPU model of this machine (``/proc/cpuinfo``; ``platform.processor()`` elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def describe_hardware() -> dict[str, Any]:
    """The driver's CPU and GPUs, and every live Ray node's CPUs, GPUs and accelerator type."""
    nodes = []
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        resources = node["Resources"]
        accelerators = [key.split(":", 1)[1] for key in resources if key.startswith("accelerator_type:")]
        nodes.append({"node_ip": node.get("NodeManagerAddress"), "node_id": node.get("NodeID"),
                      "cpus": resources.get("CPU", 0.0), "gpus": resources.get("GPU", 0.0),
                      "accelerator": accelerators[0] if accelerators else None})
    driver_gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return {"driver_host": socket.gethostname(), "driver_cpu": cpu_model(), "driver_gpus": driver_gpus,
            "cluster_cpus": sum(n["cpus"] for n in nodes), "cluster_gpus": sum(n["gpus"] for n in nodes),
            "nodes": nodes}


def write_manifest(experiment_dir: Path, fields: dict[str, Any]) -> None:
    """Create ``experiment_dir`` and write the manifest (study-specific ``fields`` + environment)."""
    experiment_dir.mkdir(parents=True, exist_ok=True)
    manifest = {**fields, "hardware": describe_hardware(), "ray_version": ray.__version__,
                "optuna_version": optuna.__version__, "torch_version": torch.__version__,
                "started": now_iso(), "resumed": []}
    (experiment_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")


def read_manifest(experiment_dir: Path) -> dict[str, Any]:
    return json.loads((experiment_dir / MANIFEST_FILE).read_text())


def record_resume(experiment_dir: Path, argv: tuple[str, ...]) -> None:
    manifest = read_manifest(experiment_dir)
    manifest.setdefault("resumed", []).append(now_iso())
    manifest.setdefault("resume_argv", []).append(list(argv))
    (experiment_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n")
