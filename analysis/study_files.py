"""Find and read the files of a Ray Tune study directory as plain JSON; nothing is unpickled.

A study directory is ``<storage_path>/<name>/``. Each trial has its own folder holding Ray's
``params.json`` (the sampled nested config), ``result.json`` (one JSON line per reported epoch) and,
from our studies, ``mpis_config.json`` (the full flat config) and, for failed trials, ``error.txt``.
The experiment folder holds ``mpis_study.json`` (study name, hardware, metric, mode, ...) and Ray's
``experiment_state-*.json``, whose JSON part gives each trial's Ray status.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis.study_error import StudyError

TRIAL_MARKERS = ("params.json", "result.json", "mpis_config.json", "error.txt")
STUDY_INFO_FILE = "mpis_study.json"
EXPERIMENT_STATE_GLOB = "experiment_state-*.json"


def _is_trial_dir(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in TRIAL_MARKERS)


def _looks_like_study(path: Path) -> bool:
    return ((path / STUDY_INFO_FILE).is_file() or any(path.glob(EXPERIMENT_STATE_GLOB))
            or any(_is_trial_dir(child) for child in path.iterdir()))


def find_trial_dirs(study_dir: str | Path) -> list[Path]:
    """The trial folders of ``study_dir``, sorted by name; raises :class:`StudyError` if it is not a
    study directory or has no trials."""
    path = Path(study_dir)
    if not path.exists():
        raise StudyError(f"study directory {path} does not exist")
    if not path.is_dir():
        raise StudyError(f"{path} is not a study directory (it is a file)")
    if not _looks_like_study(path):
        inner = sorted(child.name for child in path.iterdir() if child.is_dir() and _looks_like_study(child))
        hint = f"; studies inside it: {', '.join(inner)}" if inner else ""
        raise StudyError(f"{path} is not a study directory: no {STUDY_INFO_FILE}, no "
                         f"{EXPERIMENT_STATE_GLOB} and no trial folders with params.json or result.json{hint}")
    trials = sorted(child for child in path.iterdir() if _is_trial_dir(child))
    if not trials:
        raise StudyError(f"study {path} is empty: it has no trial folders (with params.json or result.json)")
    return trials


def read_json_file(path: Path) -> dict:
    """One JSON object from ``path``; a missing file gives ``{}``, a corrupt one a :class:`StudyError`."""
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StudyError(f"{path} is not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise StudyError(f"{path} does not hold a JSON object")
    return value


def read_result_lines(trial_dir: Path) -> list[dict]:
    """The per-epoch results of one trial (``result.json``, one JSON object per line).

    A truncated last line (a trial killed while writing) is dropped; any other bad line is an error.
    """
    path = trial_dir / "result.json"
    if not path.is_file():
        return []
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    results = []
    for number, line in enumerate(lines, start=1):
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                break
            raise StudyError(f"{path} line {number} is not valid JSON") from None
    return results


def read_error_summary(trial_dir: Path) -> str | None:
    """The last non-empty line of ``error.txt`` (usually the exception), or None if the trial did not fail."""
    path = trial_dir / "error.txt"
    if not path.is_file():
        return None
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "error.txt is empty"


def read_study_info(study_dir: str | Path) -> dict:
    """``mpis_study.json`` ({"study", "table", "hardware", "metric", "mode", ...}) or ``{}``."""
    return read_json_file(Path(study_dir) / STUDY_INFO_FILE)


def read_ray_trial_states(study_dir: str | Path) -> dict[str, dict]:
    """``{trial folder name: {"status": Ray status, "trial_id": id}}`` from the newest
    ``experiment_state-*.json`` (status: TERMINATED, ERROR, RUNNING, PENDING, ...); only its JSON
    text is read, its pickled fields are left alone."""
    states = sorted(Path(study_dir).glob(EXPERIMENT_STATE_GLOB))
    if not states:
        return {}
    state = read_json_file(states[-1])
    statuses = {}
    for entry in state.get("trial_data", []):
        try:
            trial = json.loads(entry[0])
        except (TypeError, IndexError, json.JSONDecodeError):
            continue
        folder = trial.get("relative_logdir")
        if folder:
            statuses[Path(folder).name] = {"status": trial.get("status"), "trial_id": trial.get("trial_id")}
    return statuses
