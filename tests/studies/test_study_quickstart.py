"""The README's quickstart command on a fresh set-up: it starts its own local Ray (dashboard on
127.0.0.1, token authentication on), runs the sweep at a reduced budget and prints the table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_quickstart_command_runs_with_its_own_ray_and_prints_the_table(tmp_path):
    home = Path(tempfile.mkdtemp(prefix="mpqs", dir="/tmp"))  # a fresh HOME: no token, no Ray yet
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("RAY_") or key == "RAY_USAGE_STATS_ENABLED"}
    environment.update(HOME=str(home), RAY_TMPDIR=str(home / "tmp"))
    try:
        result = subprocess.run([sys.executable, "studies/quickstart.py", "--budget", "smoke",
                                 "--storage-path", str(tmp_path)], cwd=REPO_ROOT, env=environment,
                                capture_output=True, text=True, timeout=400)
        token_generated = (home / ".ray" / "auth_token").is_file()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-4000:]
    assert token_generated  # Ray generated a token: authentication is on by default
    assert "Ray dashboard: http://127.0.0.1:" in out and "ray get-auth-token" in out
    assert "Study quickstart: 4 trials:" in out and "0 errored" in out
    assert "Table E: best configurations of quickstart" in out
    manifest = json.loads((tmp_path / "quickstart" / "mpis_study.json").read_text())
    assert manifest["table"] == "quickstart" and manifest["budget"] == "smoke"
    assert (tmp_path / "quickstart" / "optuna_journal.log").is_file()
    methods = set()
    for config_file in (tmp_path / "quickstart").glob("*/mpis_config.json"):
        config = json.loads(config_file.read_text())
        methods.add((config["model.preset"], config["model.gradient"]))
    assert {("mpis_digits", "implicit"), ("ide_digits_f64c5", "implicit"), ("mpis_digits", "bptt")} <= methods
