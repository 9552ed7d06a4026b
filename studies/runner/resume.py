"""Before ``Tuner.restore``: make sure the directory is ours, where it was started, and intact; and
mark what a dead driver left behind. Every check runs before anything is written anywhere.

* **Ours.** ``Tuner.restore`` unpickles ``tuner.pkl``, the searcher state and the pickled parts of
  ``experiment_state-*.json``, which can run arbitrary code: the directory and every one of those
  files must belong to the current user, and the directory must hold our ``mpis_study.json``.
* **In place.** Tune's state and the Optuna journal name the study by absolute path, so a copied or
  moved study would write into the original: a study is resumed only where it was started
  (``experiment_dir`` in the manifest, or the storage path Tune recorded for studies older than it).
* **Intact.** ``mpis_study.json`` and the newest ``experiment_state-*.json`` parse as JSON,
  ``tuner.pkl`` is a complete pickle (checked with ``pickletools``, which reads opcodes without
  executing any), and every line of ``optuna_journal.log`` is a complete JSON record.

Resume only your own storage path.
"""

from __future__ import annotations

import json
import os
import pickletools
from pathlib import Path
from typing import Any

from analysis.study_files import (
    ATTEMPTS_FILE,
    CONFIG_FILE,
    EXPERIMENT_STATE_GLOB,
    JOURNAL_FILE,
    MANIFEST_FILE,
    ORPHAN_FILE,
    TUNER_STATE_FILE,
    recorded_trial_folders,
)
from studies.runner.manifest import now_iso
from studies.runner.study_input_error import StudyInputError

UNPICKLED_PATTERNS = (TUNER_STATE_FILE, EXPERIMENT_STATE_GLOB, "searcher-state-*.pkl",
                      "search_gen_state-*.json", "basic-variant-state-*.json")
ALLOWED = "the directory of a study you started (--storage-path and --name as when it started)"


def check_resumable(experiment_dir: Path) -> dict[str, Any]:
    """The study's manifest, after checking that ``experiment_dir`` is this user's study, in the
    place it was started, with intact state files (see the module docstring)."""
    experiment_dir = experiment_dir.resolve()
    if not (experiment_dir / MANIFEST_FILE).is_file():
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: it has no {MANIFEST_FILE}; "
                              f"allowed: {ALLOWED}")
    _check_owner(experiment_dir, experiment_dir)
    if not (experiment_dir / TUNER_STATE_FILE).is_file():
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: Ray Tune never saved its "
                              f"state there ({TUNER_STATE_FILE} is missing: the driver died at once); remove "
                              "the directory or start the study with another --name")
    for pattern in UNPICKLED_PATTERNS:
        for path in experiment_dir.glob(pattern):
            _check_owner(path, experiment_dir)
    manifest = _read_json(experiment_dir / MANIFEST_FILE, experiment_dir)
    missing = [key for key in ("budget", "seed", "data_dir") if key not in manifest
               and not (key == "budget" and "preset" in manifest)]  # "preset": manifests before --budget
    if missing:
        raise _corrupt(experiment_dir / MANIFEST_FILE, f"it lacks {', '.join(missing)}")
    _check_in_place(experiment_dir, manifest)
    _check_pickle_complete(experiment_dir / TUNER_STATE_FILE)
    states = sorted(experiment_dir.glob(EXPERIMENT_STATE_GLOB))
    if states:
        _read_json(states[-1], experiment_dir)
    if (experiment_dir / JOURNAL_FILE).exists():
        _check_journal(experiment_dir / JOURNAL_FILE)
    return manifest


def _owner(path: Path) -> int:
    return path.stat().st_uid


def _check_owner(path: Path, experiment_dir: Path) -> None:
    if _owner(path) != os.getuid():
        what = "it belongs" if path == experiment_dir else f"{path.name} in it belongs"
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: {what} to another user "
                              f"(restoring unpickles its files); allowed: {ALLOWED}")


def _corrupt(path: Path, why: str) -> StudyInputError:
    return StudyInputError(f"--resume is invalid: {path} is corrupt ({why}); nothing was changed. Restore the "
                           "file from a backup, or start the study again under another --name")


def _read_json(path: Path, experiment_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _corrupt(path, str(error).splitlines()[0]) from None
    if not isinstance(value, dict):
        raise _corrupt(path, "not a JSON object")
    return value


def _check_pickle_complete(path: Path) -> None:
    """Walk the pickle's opcodes (nothing is executed): a truncated or garbled file fails here."""
    try:
        with open(path, "rb") as file:
            for _ in pickletools.genops(file):
                pass
    except Exception as error:  # ValueError: "pickle exhausted before seeing STOP", unknown opcodes, ...
        raise _corrupt(path, str(error) or type(error).__name__) from None


def _check_journal(path: Path) -> None:
    """Every line a complete JSON record; Optuna would silently drop a cut last line."""
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if not line.endswith(b"\n"):
                raise _corrupt(path, f"line {number} is cut off")
            try:
                json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise _corrupt(path, f"line {number} is not a JSON record") from None


def _check_in_place(experiment_dir: Path, manifest: dict[str, Any]) -> None:
    """Refuse a study that was copied or moved: its state names the place it was started."""
    started = manifest.get("experiment_dir") or _recorded_storage(experiment_dir)
    if started is not None and Path(started) != experiment_dir:
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: the study was started in {started} "
                              "and copied or moved here (Ray Tune's state and the Optuna journal name that path, "
                              "so resuming here would write there); resume it in place, or start a new study")


def _recorded_storage(experiment_dir: Path) -> str | None:
    """For manifests older than ``experiment_dir``: the storage path Tune recorded for the trials,
    read from the pickled bytes without unpickling them (the path appears as a plain string)."""
    states = sorted(experiment_dir.glob(EXPERIMENT_STATE_GLOB))
    if not states:
        return None
    trials = json.loads(states[-1].read_text()).get("trial_data", [])
    for entry in trials:
        blob = json.loads(entry[0]).get("storage", {}).get("value", "")
        try:
            raw = bytes.fromhex(blob)
        except ValueError:
            continue
        here = str(experiment_dir.parent).encode()
        name = experiment_dir.name.encode()
        if raw and not (here in raw and name in raw):
            return "another place (the storage path in Tune's experiment state differs)"
    return None


def mark_orphaned_trial_folders(experiment_dir: Path) -> list[str]:
    """Write ``mpis_orphaned.json`` into trial folders Tune's saved state does not know; their names.

    They belong to trials a dead driver started after its last snapshot: Tune will not continue them
    (the restored searcher asks for new ones instead), so analysis should skip them.
    """
    recorded = recorded_trial_folders(experiment_dir)
    orphans = []
    for folder in sorted(path for path in experiment_dir.iterdir() if path.is_dir()):
        is_trial = any((folder / name).is_file() for name in (CONFIG_FILE, ATTEMPTS_FILE, "params.json"))
        if is_trial and folder.name not in recorded and not (folder / ORPHAN_FILE).exists():
            (folder / ORPHAN_FILE).write_text(json.dumps({"orphaned": now_iso(), "reason": "started "
                                                          "after the dead driver's last snapshot"}) + "\n")
            orphans.append(folder.name)
    return orphans
