"""Load a study directory offline (no Ray cluster, nothing unpickled) into tidy pandas frames.

Example (needs a study directory)::

    trials = load_trials("results/fmnist_sweep")        # one row per trial
    trials[["model.preset", "seed", "best_test_accuracy", "epoch_time_s", "status"]]
    histories = load_histories("results/fmnist_sweep")  # one row per trial and epoch

Trial columns: ``trial_id``, ``trial_name`` (folder), ``status`` (rules in :mod:`analysis.trial_summary`;
a trial that failed once and finished after a retry is ``completed``), ``error`` (the last line of
``error.txt``, kept even then), ``attempts`` (its starts) and ``failures`` (those Tune recorded); the
config under dotted names (``model.preset``, ``model.neuron.v_threshold``, ``train.learning_rate``,
``seed``, ...); and the metrics summarised as :mod:`analysis.trial_summary` states (final and best
accuracy, mean time per epoch, peak memory, firing rates, solver statistics, node, device).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.study_error import StudyError
from analysis.study_files import (
    ORPHAN_FILE,
    count_attempts,
    count_failures,
    find_trial_dirs,
    read_error_summary,
    read_json_file,
    read_ray_trial_states,
    read_result_lines,
)
from analysis.trial_summary import summarise_metrics, trial_status

FAILED_STATUSES = ("error", "diverged")
TOP_LEVEL_CONFIG_NAMES = ("seed", "variant")  # config columns without a dot (variant: grid studies)
RAY_BOOKKEEPING_KEYS = ("config", "timestamp", "checkpoint_dir_name", "done", "date", "pid",
                        "time_since_restore", "iterations_since_restore")


def _flatten(nested: dict, prefix: str = "") -> dict:
    """``{"model": {"neuron": {"leak": 1}}}`` -> ``{"model.neuron.leak": 1}`` (Ray's "/" becomes ".")."""
    flat = {}
    for key, value in nested.items():
        name = prefix + str(key).replace("/", ".")
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = tuple(value) if isinstance(value, list) else value
    return flat


def flat_trial_config(trial_dir: Path) -> dict:
    """The trial's flat dotted config: ``mpis_config.json`` over the sampled ``params.json``."""
    config = _flatten(read_json_file(trial_dir / "params.json"))
    config.update(_flatten(read_json_file(trial_dir / "mpis_config.json")))
    return config


def _trial_row(trial_dir: Path, ray_state: dict) -> dict:
    results = read_result_lines(trial_dir)
    config = flat_trial_config(trial_dir)
    error = read_error_summary(trial_dir)
    planned = config.get("train.epochs")
    ids = [result["trial_id"] for result in results if "trial_id" in result]
    ids.append(ray_state.get("trial_id") or trial_dir.name)
    attempts, failures = count_attempts(trial_dir), count_failures(trial_dir)
    row = {"trial_id": ids[0], "trial_name": trial_dir.name,
           "status": trial_status(results, error=error, ray_status=ray_state.get("status"),
                                  planned_epochs=int(planned) if planned is not None else None,
                                  attempts=attempts, failures=failures),
           "error": error, "attempts": attempts, "failures": failures}
    if row["status"] == "incomplete" and (trial_dir / ORPHAN_FILE).is_file():
        row["status"] = "orphaned"
    row.update(config)
    row.update(summarise_metrics(results))
    return row


def config_columns(trials: pd.DataFrame) -> list[str]:
    """The config columns of a trial frame: dotted names plus ``seed`` and ``variant``."""
    return [c for c in trials.columns if "." in c or c in TOP_LEVEL_CONFIG_NAMES]


def load_trials(study_dir: str | Path) -> pd.DataFrame:
    """One row per trial of ``study_dir`` (see the module docstring); raises :class:`StudyError` if
    the path is not a study directory or holds no trials."""
    states = read_ray_trial_states(study_dir)
    rows = [_trial_row(trial_dir, states.get(trial_dir.name, {})) for trial_dir in find_trial_dirs(study_dir)]
    return pd.DataFrame(rows).reset_index(drop=True)


def load_histories(study_dir: str | Path) -> pd.DataFrame:
    """One row per trial and reported epoch: ``trial_id``, ``trial_name`` and every reported metric
    (Ray's bookkeeping keys dropped). A result re-reported after a restore keeps its last copy."""
    frames = []
    for trial_dir in find_trial_dirs(study_dir):
        results = read_result_lines(trial_dir)
        if not results:
            continue
        frame = pd.DataFrame([{k: v for k, v in r.items() if k not in RAY_BOOKKEEPING_KEYS} for r in results])
        frame.insert(0, "trial_name", trial_dir.name)
        if "trial_id" not in frame:
            frame.insert(0, "trial_id", trial_dir.name)
        frame = frame[["trial_id", *[c for c in frame.columns if c != "trial_id"]]]
        order_key = "epoch" if "epoch" in frame else "training_iteration"
        if order_key in frame:
            frame = frame.drop_duplicates(subset=[order_key], keep="last")
        frames.append(frame)
    if not frames:
        raise StudyError(f"study {study_dir} has no reported results (no trial wrote result.json lines)")
    return pd.concat(frames, ignore_index=True)


def successful_trials(trials: pd.DataFrame, study_dir: str | Path = "the study") -> pd.DataFrame:
    """The trials that did not fail (error or diverged) and reported at least one epoch; raises
    :class:`StudyError` naming the failures if none is left."""
    reported = trials["epochs_reported"] > 0 if "epochs_reported" in trials else False
    usable = trials[~trials["status"].isin(FAILED_STATUSES) & reported]
    if usable.empty:
        counts = trials["status"].value_counts()
        summary = ", ".join(f"{n} {status}" for status, n in counts.items())
        first_error = trials.loc[trials["status"] == "error", "error"].dropna()
        detail = f"; first error: {first_error.iloc[0]}" if not first_error.empty else ""
        raise StudyError(f"all {len(trials)} trials of {study_dir} failed or reported nothing "
                         f"({summary}){detail}")
    return usable.reset_index(drop=True)
