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

collect_ignore = ["conftest.py"]  # a fixture file, not a module of doctests (--doctest-modules)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SCRIPT = Path(__file__).with_name("fixture_study.py")


def isolated_ray_environment(home: Path, ray_temp: str) -> dict[str, str]:
    """The environment of a child that starts Ray: its own HOME and (short) temp dir, token auth."""
    environment = dict(os.environ, HOME=str(home), RAY_TMPDIR=ray_temp, RAY_AUTH_MODE="token",
                       PYTHONPATH=str(REPO_ROOT), RAY_USAGE_STATS_ENABLED="0")
    environment.pop("RAY_ADDRESS", None)
    return environment


class StudyRun:
    """A study run in a child process (started at once, waited for when a test needs its result)."""

    def __init__(self, command: list[str], study_dir: Path, home: Path):
        self.study_dir = study_dir
        self.ray_temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: socket paths are limited to 107 bytes
        self.log = home / "study.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, env=isolated_ray_environment(home, self.ray_temp), cwd=REPO_ROOT,
                                            stdout=log, stderr=subprocess.STDOUT, text=True)

    def result(self, timeout: float = 240) -> Path:
        """The study directory, once the child has finished successfully."""
        code = self.process.wait(timeout=timeout)
        shutil.rmtree(self.ray_temp, ignore_errors=True)
        assert code == 0, self.log.read_text()[-3000:]
        return self.study_dir

    def stop(self) -> None:
        """Let an unused run finish (killing a Ray driver could leave its Ray processes behind)."""
        try:
            self.process.wait(timeout=240)
        except subprocess.TimeoutExpired:
            self.process.terminate()  # SIGTERM: the driver shuts its Ray down
            self.process.wait(timeout=60)
        shutil.rmtree(self.ray_temp, ignore_errors=True)


@pytest.fixture(scope="session")
def study_runs(tmp_path_factory):
    """Both test studies, started together so that they overlap (each takes tens of seconds).

    * ``fixture``: fixture_study.py, a synthetic trainable covering the paper tables (see there);
    * ``quickstart``: ``studies/quickstart.py --budget smoke`` with 2 trials: MPIS vs IDE vs BPTT on the
      bundled 8x8 digits, trained for real by mpis.training.fit through the studies runner.
    """
    fixture_home, quickstart_home = tmp_path_factory.mktemp("fixture_home"), tmp_path_factory.mktemp("qs_home")
    fixture_storage, quickstart_storage = tmp_path_factory.mktemp("fixture"), tmp_path_factory.mktemp("qs")
    runs = {
        "fixture": StudyRun([sys.executable, str(FIXTURE_SCRIPT), str(fixture_storage)],
                            fixture_storage / "fixture", fixture_home),
        "quickstart": StudyRun([sys.executable, "studies/quickstart.py", "--budget", "smoke", "--num-samples", "2",
                                "--storage-path", str(quickstart_storage), "--name", "quickstart",
                                "--data-dir", str(quickstart_home / "data")],
                               quickstart_storage / "quickstart", quickstart_home),
    }
    yield runs
    for run in runs.values():
        run.stop()


@pytest.fixture(scope="session")
def fixture_study(study_runs) -> Path:
    """The experiment directory of the synthetic fixture study (see fixture_study.py)."""
    return study_runs["fixture"].result()


@pytest.fixture(scope="session")
def notebook_study(study_runs) -> Path:
    """The real quickstart study the notebooks are executed against."""
    return study_runs["quickstart"].result()


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

