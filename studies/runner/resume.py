"""Before ``Tuner.restore``: make sure the directory is ours, and mark what a dead driver left behind.

``Tuner.restore`` unpickles ``tuner.pkl``, which can run arbitrary code: only a directory holding our
``mpis_study.json`` and owned by the current user is restored. Resume only your own storage path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from studies.runner.manifest import MANIFEST_FILE, now_iso, read_manifest
from studies.runner.study_input_error import StudyInputError
from studies.runner.trial_keys import ATTEMPTS_FILE, CONFIG_FILE, ORPHAN_FILE

TUNER_STATE_FILE = "tuner.pkl"


def check_resumable(experiment_dir: Path) -> dict[str, Any]:
    """The study's manifest, after checking that ``experiment_dir`` is a study of this user."""
    allowed = "the directory of a study you started (--storage-path and --name as when it started)"
    if not (experiment_dir / MANIFEST_FILE).is_file():
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: it has no {MANIFEST_FILE}; "
                              f"allowed: {allowed}")
    if experiment_dir.stat().st_uid != os.getuid():
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: it belongs to another user "
                              f"(restoring unpickles its files); allowed: {allowed}")
    if not (experiment_dir / TUNER_STATE_FILE).is_file():
        raise StudyInputError(f"--resume is invalid for {experiment_dir}: Ray Tune never saved its "
                              f"state there ({TUNER_STATE_FILE} is missing: the driver died at once); remove "
                              "the directory or start the study with another --name")
    return read_manifest(experiment_dir)


def recorded_trial_folders(experiment_dir: Path) -> set[str]:
    """Trial folder names in Tune's newest ``experiment_state-<session time>.json`` (JSON part only).

    Newest by the session time in the name: a resumed run re-uploads older state files, so their
    modification times say nothing.
    """
    states = sorted(experiment_dir.glob("experiment_state-*.json"))
    if not states:
        return set()
    state = json.loads(states[-1].read_text())
    folders = set()
    for entry in state.get("trial_data", []):
        trial = json.loads(entry[0])
        if trial.get("relative_logdir"):
            folders.add(Path(trial["relative_logdir"]).name)
    return folders


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
