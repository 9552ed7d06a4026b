"""Independent expectations for the analysis tests: read a study's result.json files with nothing but
json, and compute what a table should show (no code from ``analysis`` is used here)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path


def read_trials(study: Path) -> list[dict]:
    """Per trial: its flat config, its epoch rows (the diverged row excluded) and whether it failed."""
    trials = []
    for folder in sorted(p for p in study.iterdir() if p.is_dir()):
        config_file = folder / "mpis_config.json"
        if not config_file.is_file():
            continue
        lines = (folder / "result.json").read_text().splitlines() if (folder / "result.json").is_file() else []
        rows = [json.loads(line) for line in lines if line.strip()]
        failed = (folder / "error.txt").is_file() or any(r.get("status") == "diverged" for r in rows)
        trials.append({"config": json.loads(config_file.read_text()), "failed": failed, "folder": folder.name,
                       "rows": [r for r in rows if r.get("status") != "diverged"]})
    return trials


def usable(trials: list[dict]) -> list[dict]:
    return [t for t in trials if not t["failed"] and t["rows"]]


def select(trials: list[dict], **config) -> list[dict]:
    """Trials whose config has every given value (keys with "__" for "."): select(t, model__preset="x")."""
    wanted = {key.replace("__", "."): value for key, value in config.items()}
    return [t for t in usable(trials) if all(t["config"].get(k) == v for k, v in wanted.items())]


def best_accuracy(trial: dict) -> float:
    return max(max(r["test_accuracy"], r.get("best_test_accuracy", 0)) for r in trial["rows"])


def mean_epoch_time(trial: dict) -> float:
    return statistics.fmean(r["epoch_time_s"] for r in trial["rows"])


def peak_memory_mb(trial: dict) -> float:
    return max(r["peak_memory_mb"] for r in trial["rows"])


def last(trial: dict, key: str):
    return trial["rows"][-1][key]


def seed_statistics(trials: list[dict]) -> dict:
    """Mean, sample std, best of best accuracies; mean epoch time and peak memory (GB) over trials."""
    accuracies = [best_accuracy(t) for t in trials]
    return {"runs": len(trials), "mean": statistics.fmean(accuracies),
            "std": statistics.stdev(accuracies) if len(accuracies) > 1 else None, "best": max(accuracies),
            "time": statistics.fmean(mean_epoch_time(t) for t in trials),
            "memory_gb": statistics.fmean(peak_memory_mb(t) for t in trials) / 1024}
