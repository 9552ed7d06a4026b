"""Shared fixtures of the analysis tests: one real tiny Ray Tune study (run once per session in a
subprocess with HOME, RAY_TMPDIR and Ray's temp dir isolated), and hand-made broken study folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SCRIPT = Path(__file__).with_name("fixture_study.py")


def isolated_ray_environment(home: Path) -> dict[str, str]:
    """The environment of a child that starts Ray: its own HOME and temp dir, token auth, no dashboard."""
    environment = dict(os.environ, HOME=str(home), RAY_TMPDIR=str(home), RAY_AUTH_MODE="token",
                       PYTHONPATH=str(REPO_ROOT), RAY_USAGE_STATS_ENABLED="0")
    environment.pop("RAY_ADDRESS", None)
    return environment


@pytest.fixture(scope="session")
def fixture_study(tmp_path_factory) -> Path:
    """The experiment directory of the fixture study (see fixture_study.py for what it holds)."""
    storage = tmp_path_factory.mktemp("ray_results")
    home = tmp_path_factory.mktemp("home")
    ray_temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Unix socket paths are limited to 107 bytes
    try:
        completed = subprocess.run([sys.executable, str(FIXTURE_SCRIPT), str(storage), ray_temp],
                                   env=isolated_ray_environment(home), cwd=REPO_ROOT, capture_output=True,
                                   text=True, timeout=240)
    finally:
        shutil.rmtree(ray_temp, ignore_errors=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return storage / "fixture"


def write_trial(study: Path, name: str, *, config: dict, results: list[dict] = (), error: str | None = None) -> Path:
    """A hand-made trial folder: mpis_config.json, result.json lines and optionally error.txt."""
    folder = study / name
    folder.mkdir(parents=True)
    (folder / "params.json").write_text(json.dumps({}))
    (folder / "mpis_config.json").write_text(json.dumps(config))
    (folder / "result.json").write_text("".join(json.dumps(r) + "\n" for r in results))
    if error is not None:
        (folder / "error.txt").write_text(f"Traceback (most recent call last):\n  ...\n{error}\n")
    return folder


@pytest.fixture
def make_study(tmp_path):
    """``make_study(trials)``: a study folder with mpis_study.json and the given hand-made trials,
    each ``(name, config, results, error)``."""

    def make(trials, info: dict | None = None) -> Path:
        study = tmp_path / "study"
        study.mkdir()
        (study / "mpis_study.json").write_text(json.dumps(info or {"study": "handmade", "hardware": "test"}))
        for name, config, results, error in trials:
            write_trial(study, name, config=config, results=results, error=error)
        return study

    return make
