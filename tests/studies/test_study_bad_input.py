"""Bad input stops a study with one line and exit code 2 before any trial starts: invalid flags and
ranges, an unknown preset, resources the cluster lacks (GPUs on a CPU-only cluster), missing data,
a study directory that is not ours; an unreachable --address fails clearly within 30 seconds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from analysis.study_files import MANIFEST_FILE
from studies.quickstart import SPEC as QUICKSTART
from studies.runner import run_study_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def run_cli(script: str, *arguments: str, environment=None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The study command in a fresh working directory: the default ./results is never the repository's."""
    with tempfile.TemporaryDirectory(prefix="mpis-cwd-") as cwd:
        return subprocess.run([sys.executable, str(REPO_ROOT / "studies" / script), *arguments], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout, env=environment)


def our_error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error:" in line]


@pytest.mark.parametrize("arguments, mentions", [
    (["--num-samples", "0"], "--num-samples=0 is invalid; allowed: an integer >= 1"),
    (["--max-concurrent", "-1"], "--max-concurrent=-1 is invalid"),
    (["--cpus-per-trial", "0"], "--cpus-per-trial=0 is invalid"),
    (["--gpus-per-trial", "1.5"], "--gpus-per-trial=1.5 is invalid; allowed: 0, a fraction"),
    (["--gpus-per-trial", "-0.5"], "--gpus-per-trial=-0.5 is invalid"),
    (["--budget", "huge"], "invalid choice: 'huge'"),
    (["--address", "not an address"], "--address=not an address is invalid"),
    (["--dashboard-host", "everywhere"], "--dashboard-host=everywhere is invalid"),
    (["--storage-path", "s3://bucket/results"], "--storage-path=s3://bucket/results is invalid"),
    (["--name", "../escape"], "--name=../escape is invalid"),
    (["--seed", "-3"], "--seed=-3 is invalid"),
    (["--max-failures", "many"], "--max-failures=many is invalid"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["--objectives", "accuracy,speed"], "--objectives=accuracy,speed is invalid; allowed: 2 to 4 distinct names"),
    (["--objectives", "energy"], "--objectives=energy is invalid"),
])
def test_invalid_flags_print_one_line_and_exit_2(arguments, mentions, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_study_cli(QUICKSTART, arguments, prog="quickstart.py")
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and mentions in err


def test_the_real_command_exits_2_on_bad_input():
    result = run_cli("cifar10_sweep.py", "--budget", "tiny")
    assert result.returncode == 2
    assert our_error_lines(result.stderr) == [result.stderr.strip()]
    assert "--budget: invalid choice: 'tiny' (choose from 'quick', 'paper', 'smoke')" in result.stderr


def test_gpus_requested_from_a_cluster_without_gpus_stop_before_any_trial(ray_runtime, tmp_path, capsys):
    status = run_study_cli(QUICKSTART, ["--gpus-per-trial", "0.5", "--storage-path", str(tmp_path)],
                           prog="quickstart.py")
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err == "quickstart.py: error: --gpus-per-trial=0.5 is invalid; allowed: 0 (the Ray cluster has no GPUs)"
    assert not any(tmp_path.iterdir())  # no study directory, no trial


def test_more_cpus_per_trial_than_any_node_has_stop_before_any_trial(ray_runtime, tmp_path, capsys):
    status = run_study_cli(QUICKSTART, ["--cpus-per-trial", "3", "--storage-path", str(tmp_path)],
                           prog="quickstart.py")
    assert status == 2
    assert "the largest has 2 CPUs and 0 GPUs" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_missing_data_stops_a_local_study_before_ray_starts(tmp_path):
    result = run_cli("nmnist_sweep.py", "--data-dir", str(tmp_path / "empty"), "--storage-path",
                     str(tmp_path / "results"))
    assert result.returncode == 2
    [line] = our_error_lines(result.stderr)
    assert "dataset 'nmnist' not found in" in line and "Ray dashboard" not in result.stdout


def test_an_existing_study_is_not_overwritten_and_resume_needs_our_study(tmp_path, capsys):
    (tmp_path / "quickstart").mkdir()
    (tmp_path / "quickstart" / "something").write_text("x")
    assert run_study_cli(QUICKSTART, ["--storage-path", str(tmp_path)], prog="q") == 2
    assert "already holds a study: add --resume to continue it" in capsys.readouterr().err
    assert run_study_cli(QUICKSTART, ["--resume", "--storage-path", str(tmp_path)], prog="q") == 2
    assert f"it has no {MANIFEST_FILE}" in capsys.readouterr().err


def test_resume_refuses_another_users_study(tmp_path, capsys, monkeypatch):
    study = tmp_path / "quickstart"
    study.mkdir()
    (study / MANIFEST_FILE).write_text("{}")
    (study / "tuner.pkl").write_bytes(b"not ours")
    monkeypatch.setattr(os, "getuid", lambda: study.stat().st_uid + 1)  # we are someone else
    assert run_study_cli(QUICKSTART, ["--resume", "--storage-path", str(tmp_path)], prog="q") == 2
    assert "it belongs to another user (restoring unpickles its files)" in capsys.readouterr().err


def test_a_refused_address_fails_at_once():
    started = time.monotonic()
    result = run_cli("quickstart.py", "--address", "127.0.0.1:1")
    assert result.returncode == 2 and time.monotonic() - started < 30
    [line] = our_error_lines(result.stderr)
    assert "--address=127.0.0.1:1 is unreachable (Connection refused)" in line


def test_an_address_that_is_not_a_ray_cluster_fails_within_30_seconds(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts TCP but never speaks Ray's protocol: ray.init would retry for minutes
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        result = run_cli("quickstart.py", "--address", f"127.0.0.1:{port}", "--storage-path", str(tmp_path),
                         timeout=90)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr[-2000:]
    assert elapsed < 30, elapsed
    assert f"error: --address=127.0.0.1:{port} did not answer as a Ray cluster within 15 s" in result.stderr
    assert len(result.stderr.splitlines()) <= 3, result.stderr  # our line, at most two of Ray's retries
    assert not any(tmp_path.iterdir())


def _a_file(tmp: Path) -> Path:
    (tmp / "a_file").write_text("x")
    return tmp / "a_file"


@pytest.mark.parametrize("storage, mentions", [
    (lambda tmp: _a_file(tmp), "(it is a file)"),
    (lambda tmp: _a_file(tmp) / "results", "Not a directory"),
    (lambda tmp: Path("/sys/mpis-results"), "Operation not permitted"),
])
def test_an_unusable_storage_path_fails_before_ray_starts(tmp_path, storage, mentions):
    path = storage(tmp_path)
    result = run_cli("quickstart.py", "--storage-path", str(path))
    assert result.returncode == 2 and "Ray dashboard" not in result.stdout, result.stderr[-2000:]
    [line] = our_error_lines(result.stderr)
    assert f"--storage-path={path} is invalid; allowed: a directory this user can write" in line and mentions in line
    assert len(result.stderr.splitlines()) == 1


def test_gpus_asked_of_a_machine_without_gpus_fail_before_a_local_ray_starts(tmp_path):
    environment = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # no GPU visible, also on a GPU machine
    result = run_cli("quickstart.py", "--gpus-per-trial", "0.5", "--storage-path", str(tmp_path), environment=environment)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    assert "--gpus-per-trial=0.5 is invalid; allowed: 0 (this machine has no GPU)" in result.stderr
    assert not any(tmp_path.iterdir())


def test_token_authentication_switched_off_is_refused_before_anything_starts(tmp_path):
    result = run_cli("quickstart.py", "--storage-path", str(tmp_path), environment={**os.environ, "RAY_AUTH_MODE": "disabled"})
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "RAY_AUTH_MODE=disabled is invalid; allowed: token" in result.stderr
    assert not any(tmp_path.iterdir())


def test_the_token_file_is_created_private_and_an_open_one_is_made_private(tmp_path, monkeypatch, capsys):
    from studies.runner.ray_connection import ensure_private_token

    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "ray" / "auth_token"))
    path = ensure_private_token()
    assert path == tmp_path / "ray" / "auth_token" and path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_text()) >= 32 and ensure_private_token().read_text() == path.read_text()  # kept
    path.chmod(0o644)
    ensure_private_token()
    assert path.stat().st_mode & 0o777 == 0o600 and "it is now mode 600" in capsys.readouterr().out
