"""Any study runs against an existing Ray cluster given --address: a real 2-node cluster (two
``ray start --block`` nodes with token authentication, inside a private network namespace when
``unshare -n`` is available) runs the quickstart, and its trials record, and ran on, both nodes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from ray_tokens import make_token_file

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("two_node_cluster.sh")


def network_namespace_prefix() -> list[str]:
    """``["unshare", "-n"]`` where this user may create a network namespace, else nothing."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return ["unshare", "-n"] if probe.returncode == 0 else []


def test_trials_of_one_study_run_on_both_nodes_of_a_real_cluster(tmp_path):
    root = Path(tempfile.mkdtemp(prefix="mpcl", dir="/tmp"))  # short: Unix socket paths <= 107 bytes
    make_token_file(root / "auth_token")
    storage = tmp_path / "results"
    command = [*network_namespace_prefix(), "bash", str(SCRIPT), str(root), sys.executable, str(REPO_ROOT),
               "--budget", "smoke", "--num-samples", "4", "--max-concurrent", "2",
               "--storage-path", str(storage), "--name", "cluster"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=420)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "cluster nodes alive: 2" in output
    assert "Ray dashboard: http://127.0.0.1:8266" in output

    study = storage / "cluster"
    manifest = json.loads((study / "mpis_study.json").read_text())
    cluster_nodes = {node["node_id"] for node in manifest["hardware"]["nodes"]}
    assert len(cluster_nodes) == 2 and manifest["hardware"]["cluster_cpus"] == 2.0
    nodes_used = set()
    for trial_dir in (p for p in study.iterdir() if (p / "result.json").is_file()):
        rows = [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line]
        attempts = [json.loads(line) for line in (trial_dir / "mpis_attempts.jsonl").read_text().splitlines()]
        assert rows and {row["node_id"] for row in rows} == {attempts[-1]["node_id"]}
        nodes_used |= {row["node_id"] for row in rows}
    assert nodes_used == cluster_nodes  # trials of one study ran on both nodes
