"""``--resume`` is bound to its own, intact directory: a copied or moved study, a truncated
``tuner.pkl``, a cut or garbled Optuna journal, a corrupt manifest or an unpickled state file owned
by someone else are each refused with one line naming the problem, exit code 2, and nothing written
anywhere. One real (smoke) quickstart study is made once; each test damages it and repairs it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from analysis.study_files import JOURNAL_FILE, MANIFEST_FILE, TUNER_STATE_FILE
from studies.quickstart import SPEC as QUICKSTART
from studies.runner import resume, run_study_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def study(ray_runtime, tmp_path_factory) -> Path:
    storage = tmp_path_factory.mktemp("storage")
    assert run_study_cli(QUICKSTART, ["--budget", "smoke", "--storage-path", str(storage)], prog="q") == 0
    return storage / "quickstart"


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file under ``roots`` with a hash of its bytes and its modification time."""
    return {str(path): f"{hashlib.sha256(path.read_bytes()).hexdigest()}:{path.stat().st_mtime_ns}"
            for root in roots for path in sorted(root.rglob("*")) if path.is_file()}


def refused(study_dir: Path, capsys, *extra: str) -> str:
    code = run_study_cli(QUICKSTART, ["--resume", "--storage-path", str(study_dir.parent), "--name", study_dir.name,
                                      *extra], prog="q")
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("how", ["copied", "moved"])
def test_a_copied_or_moved_study_is_refused_and_nothing_is_written(study, tmp_path, capsys, how):
    elsewhere = tmp_path / "elsewhere" / "quickstart"
    elsewhere.parent.mkdir()
    shutil.copytree(study, elsewhere, symlinks=True)
    if how == "moved":
        shutil.move(str(study), str(tmp_path / "parked"))
    before = snapshot(elsewhere, *([study] if how == "copied" else [tmp_path / "parked"]))
    try:
        line = refused(elsewhere, capsys)
        assert f"the study was started in {study}" in line and "copied or moved here" in line
        assert snapshot(elsewhere, *([study] if how == "copied" else [tmp_path / "parked"])) == before
    finally:
        if how == "moved":
            shutil.move(str(tmp_path / "parked"), str(study))


def _damaged(study: Path, name: str, damage):
    path = study / name
    original = path.read_bytes()
    path.write_bytes(damage(original))
    return path, original


@pytest.mark.parametrize("name, damage, mentions", [
    (TUNER_STATE_FILE, lambda b: b[: len(b) // 2], "remain"),  # pickletools: "expected N bytes ..., but only M remain"
    (TUNER_STATE_FILE, lambda b: b[:-1], "pickle exhausted before seeing STOP"),
    (JOURNAL_FILE, lambda b: b[:-7], "is cut off"),
    (JOURNAL_FILE, lambda b: b.replace(b"\n", b"\n{garbled\n", 1), "line 2 is not a JSON record"),
    (MANIFEST_FILE, lambda b: b[:20], "Unterminated string"),
    (MANIFEST_FILE, lambda b: b'{"study": "quickstart"}', "it lacks budget, seed, data_dir"),
])
def test_corrupt_resume_state_is_refused_naming_the_file_and_nothing_changes(study, capsys, name, damage, mentions):
    path, original = _damaged(study, name, damage)
    try:
        before = snapshot(study)
        line = refused(study, capsys)
        assert f"{path} is corrupt" in line and mentions in line and "nothing was changed" in line
        assert snapshot(study) == before
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("pattern", [TUNER_STATE_FILE, "experiment_state-*.json", "searcher-state-*.pkl"])
def test_every_state_file_that_restore_unpickles_must_be_ours(study, capsys, monkeypatch, pattern):
    foreign = sorted(study.glob(pattern))[-1]
    mine = resume._owner(study)
    monkeypatch.setattr(resume, "_owner", lambda path: mine + 1 if path == foreign else mine)
    line = refused(study, capsys)
    assert f"{foreign.name} in it belongs to another user (restoring unpickles its files)" in line


def test_the_intact_study_passes_every_check(study):
    assert resume.check_resumable(study)["budget"] == "smoke"
