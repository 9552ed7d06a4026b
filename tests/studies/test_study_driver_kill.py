"""A study whose driver is killed with SIGKILL mid-study is continued by ``--resume``: every trial
that finished before the kill is kept exactly once and not rerun, the remaining budget runs, and the
Optuna study ends consistent (nothing left RUNNING). The driver runs the real quickstart command
against the session's Ray cluster, one trial at a time."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from analysis.study_files import recorded_trial_folders
from studies.runner.trial_records import read_attempts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
NUM_SAMPLES = 4


def trial_index(trial_dir: Path) -> int:
    """Tune's running trial number, from a folder name like ``run_trial_1a2b3c4d_3_...``."""
    return int(re.match(r"run_trial_[0-9a-f]+_(\d+)_", trial_dir.name).group(1))


def trial_dirs(study: Path) -> list[Path]:
    found = [p for p in study.iterdir() if (p / "mpis_config.json").is_file()] if study.is_dir() else []
    return sorted(found, key=trial_index)


def rows(trial_dir: Path) -> list[str]:
    path = trial_dir / "result.json"
    return [line for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def quickstart(ray_runtime, storage: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, str(REPO_ROOT / "studies" / "quickstart.py"), "--address", ray_runtime.address,
               "--storage-path", str(storage), "--name", "killed", *extra]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=ray_runtime.environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_a_driver_killed_mid_study_is_continued_by_resume(ray_runtime, tmp_path):
    study = tmp_path / "killed"
    driver = quickstart(ray_runtime, tmp_path, "--budget", "smoke", "--num-samples", str(NUM_SAMPLES),
                        "--max-concurrent", "1")
    deadline = time.monotonic() + 240
    while len(trial_dirs(study)) < 3 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # one trial at a time: when the third starts, two have finished
    assert driver.poll() is None, f"the study ended before the kill:\n{driver.communicate()[0][-3000:]}"
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    finished = trial_dirs(study)[:-1]
    assert len(finished) >= 2
    before = {d.name: (rows(d), read_attempts(d)) for d in finished}

    resumed = quickstart(ray_runtime, tmp_path, "--resume")
    out = resumed.communicate(timeout=300)[0]
    assert resumed.returncode == 0, out[-4000:]

    recorded = recorded_trial_folders(study)
    assert len(recorded) == NUM_SAMPLES  # the remaining budget ran, and no more
    assert f"Study killed: {NUM_SAMPLES} trials:" in out
    for name, (result_lines, attempts) in before.items():
        assert name in recorded  # kept
        assert rows(study / name) == result_lines  # exactly once: no epoch reported again
        for attempt in read_attempts(study / name)[len(attempts):]:  # restored at its end: no training
            assert attempt["resumed_from_epoch"] == json.loads(result_lines[-1])["epoch"]
    for folder in set(d.name for d in trial_dirs(study)) - recorded:
        assert (study / folder / "mpis_orphaned.json").is_file()  # started after the last snapshot
    for name in recorded:
        epochs = [json.loads(line)["epoch"] for line in rows(study / name)]
        assert epochs == list(range(1, len(epochs) + 1)) and epochs  # every recorded trial ran

    manifest = json.loads((study / "mpis_study.json").read_text())
    assert len(manifest["resumed"]) == 1
    journal = JournalStorage(JournalFileBackend(str(study / "optuna_journal.log")))
    trials = optuna.load_study(study_name="killed", storage=journal).trials
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    finished_in_optuna = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished_in_optuna) == NUM_SAMPLES
    assert all(t.user_attrs.get("orphaned") for t in trials if t.state == TrialState.FAIL)
