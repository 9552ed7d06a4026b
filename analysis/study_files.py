"""The study-directory format, in one place: every file name and result key a study writes, and the
one reader of them (plain JSON; nothing is unpickled). ``studies`` writes with these names and
reads Tune's state with these readers; ``analysis`` reads with them. Renaming one here renames it
for both (``studies -> analysis -> mpis`` is the import direction; analysis imports neither ray
nor studies).

A study directory is ``<storage_path>/<name>/``:

* ``mpis_study.json`` (:data:`MANIFEST_FILE`): study, budget, metric, mode, seed, data_dir, where it
  was started, hardware, versions, argv, resumes (``studies/runner/manifest.py``);
* Ray Tune's state: ``tuner.pkl``, ``experiment_state-*.json`` (its JSON part gives each trial's Ray
  status and folder), ``searcher-state-*.pkl``, ...; sweeps add ``optuna_journal.log``;
* one folder per trial: Ray's ``params.json`` (the sampled nested config) and ``result.json`` (one
  JSON line per reported epoch, with the keys below besides ``mpis.metric_names``), our
  ``mpis_config.json`` (the full flat config) and ``mpis_attempts.jsonl`` (one line per start),
  ``error.txt`` when it failed at least once (even if a retry then finished it), ``mpis_orphaned.json``
  when a dead driver started it after its last snapshot, and ``checkpoint_NNNNNN/`` folders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from analysis.study_error import StudyError
from mpis.metric_names import NODE  # noqa: F401 (a key of every result row, named here with the others)

# files of the study directory
MANIFEST_FILE = "mpis_study.json"
STUDY_INFO_FILE = MANIFEST_FILE  # (the name analysis has always used)
TUNER_STATE_FILE = "tuner.pkl"
EXPERIMENT_STATE_GLOB = "experiment_state-*.json"
JOURNAL_FILE = "optuna_journal.log"  # the Optuna study of a sweep
# files of a trial folder
PARAMS_FILE = "params.json"
RESULT_FILE = "result.json"
ERROR_FILE = "error.txt"
CONFIG_FILE = "mpis_config.json"  # config_to_flat_dict(the trial's ExperimentConfig)
ATTEMPTS_FILE = "mpis_attempts.jsonl"  # one line per start of the trial
ORPHAN_FILE = "mpis_orphaned.json"  # a trial folder Tune's saved state never recorded
PROGRESS_FILE = "mpis_progress.json"  # inside each checkpoint: {"epoch": n}
TRIAL_MARKERS = (PARAMS_FILE, RESULT_FILE, CONFIG_FILE, ERROR_FILE)
# keys of every result row, besides mpis.metric_names
NODE_ID = "node_id"  # Ray node id: tells apart two nodes of one machine (they share an IP)
HOSTNAME = "hostname"  # host name of the node
TRIAL_FOLDER = "trial_folder"  # the trial's folder name (also an Optuna user attribute)
STATUS = "status"  # STATUS_OK on every epoch row, STATUS_DIVERGED on a diverged trial's last row
STATUS_OK = "ok"
STATUS_DIVERGED = "diverged"
DIVERGED_WHAT = "diverged_what"  # TrainingDiverged.what: loss, rate, gradient, parameter, backward_fallbacks
DIVERGED_EPOCH = "diverged_epoch"  # 1-based epoch in which it diverged
DIVERGED_STEP = "diverged_step"  # training step within that epoch
DIVERGED_VALUE = "diverged_value"  # the offending value
VARIANT = "variant"  # grid studies: the name of the arm (a key of StudySpec.variants), in params.json
RAY_TRIAL_ID = "ray_trial_id"  # Optuna user attribute: Ray Tune's trial id
FAILURE_HEADER = re.compile(r"^Failure # (\d+)", re.MULTILINE)  # Tune appends one per failure to error.txt


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
    path = trial_dir / RESULT_FILE
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
    path = trial_dir / ERROR_FILE
    if not path.is_file():
        return None
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "error.txt is empty"


def count_failures(trial_dir: Path) -> int:
    """The failures ``error.txt`` records: Tune appends a ``Failure # N (occurred at ...)`` header per
    failure, so the largest N (1 for a file without headers, 0 without the file)."""
    path = trial_dir / ERROR_FILE
    if not path.is_file():
        return 0
    numbers = [int(n) for n in FAILURE_HEADER.findall(path.read_text(errors="replace"))]
    return max(numbers, default=1)


def count_attempts(trial_dir: Path) -> int:
    """Non-empty lines of ``mpis_attempts.jsonl`` (0 if absent): the trial's starts (first run, retries)."""
    path = trial_dir / ATTEMPTS_FILE
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.is_file() else 0


def read_study_info(study_dir: str | Path) -> dict:
    """``mpis_study.json`` ({"study", "table", "hardware", "metric", "mode", ...}) or ``{}``; a manifest
    that names the budget ``preset`` (studies before ``--budget``) also gets ``budget``."""
    info = read_json_file(Path(study_dir) / MANIFEST_FILE)
    if "preset" in info and "budget" not in info:
        info["budget"] = info["preset"]
    return info


def recorded_trial_folders(study_dir: str | Path) -> set[str]:
    """The trial folders Tune's newest saved state knows (a folder it does not was started by a
    driver that died before its next snapshot)."""
    return set(read_ray_trial_states(study_dir))


def read_ray_trial_states(study_dir: str | Path) -> dict[str, dict]:
    """``{trial folder name: {"status": Ray status, "trial_id": id}}`` from the newest
    ``experiment_state-*.json`` (status: TERMINATED, ERROR, RUNNING, PENDING, ...); only its JSON
    text is read, its pickled fields are left alone."""
    states = sorted(Path(study_dir).glob(EXPERIMENT_STATE_GLOB))  # newest by the session time in the name
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
