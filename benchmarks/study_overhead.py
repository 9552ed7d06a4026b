"""How much Ray Tune and Optuna cost a study: the quickstart's wall time against its trials' own time.

Runs ``studies/quickstart.py`` in this process (its own local Ray, as the README command does) and
prints:

* study wall time (Ray start and stop included) and Tuner.fit's share of it;
* the sum of the trials' own times (Tune's ``time_total_s``: data, model, training, evaluation,
  checkpoints) and of their pure training time (``epoch_time_s`` summed over epochs);
* the ideal wall time with perfect packing (sum of trial times / concurrent trials) and the overhead
  beyond it (Ray start, actor start-up, Optuna suggestions, scheduling gaps, Tune bookkeeping);
* trial start-up: from Tune creating a trial (first seen by a driver callback, +-0.1 s) to the
  trainable's first line (the trial's ``mpis_attempts.jsonl``): placement, a fresh worker process,
  imports and parameter transfer. Actors are not reused between trials (``reuse_actors=False``), so
  each trial's peak memory is its own (on CPU it is the process's peak RSS, which cannot be reset);
* scheduling gap: from a trial's end to the creation of the next one (Optuna's suggestion included).

    python benchmarks/study_overhead.py                  # the quick budget (16 trials)
    python benchmarks/study_overhead.py --budget smoke   # 4 small trials
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ray import tune

from studies.quickstart import SPEC
from studies.runner import run_study_cli
from studies.runner.trial_records import read_attempts


class TrialTimeline(tune.Callback):
    """Driver-side wall-clock times of each trial's creation and end, and of the experiment."""

    def __init__(self):
        self.launched: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.folders: dict[str, str] = {}
        self.fit_started = self.fit_ended = None

    def setup(self, **info):
        self.fit_started = time.time()

    def on_step_begin(self, iteration, trials, **info):
        now = time.time()
        for trial in trials:
            self.launched.setdefault(trial.trial_id, now)

    def on_trial_start(self, iteration, trials, trial, **info):
        self.launched.setdefault(trial.trial_id, time.time())
        self.folders[trial.trial_id] = Path(trial.path).name

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.ended[trial.trial_id] = time.time()

    def on_experiment_end(self, trials, **info):
        self.fit_ended = time.time()


def last_row(trial_dir: Path) -> dict:
    lines = [line for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]
    return json.loads(lines[-1])


def epoch_times(trial_dir: Path) -> float:
    lines = [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]
    return sum(row.get("epoch_time_s", 0.0) for row in lines)


def summarize(timeline: TrialTimeline, study: Path, wall_s: float, concurrency: int) -> dict:
    trial_s, training_s, startup_s = [], [], []
    for trial_id, folder in timeline.folders.items():
        trial_dir = study / folder
        trial_s.append(last_row(trial_dir)["time_total_s"])
        training_s.append(epoch_times(trial_dir))
        entered = datetime.fromisoformat(read_attempts(trial_dir)[0]["started"]).timestamp()
        startup_s.append(entered - timeline.launched[trial_id])
    launches = sorted(timeline.launched.values())
    ends = sorted(timeline.ended.values())
    gaps = [launch - max(end for end in ends if end <= launch)
            for launch in launches[concurrency:] if any(end <= launch for end in ends)]
    ideal_s = sum(trial_s) / concurrency
    return {"trials": len(trial_s), "concurrency": concurrency, "study_wall_s": wall_s,
            "fit_wall_s": timeline.fit_ended - timeline.fit_started,
            "sum_trial_time_s": sum(trial_s), "sum_training_time_s": sum(training_s),
            "ideal_wall_s": ideal_s, "overhead_s": wall_s - ideal_s,
            "overhead_fraction": (wall_s - ideal_s) / wall_s,
            "startup_median_s": statistics.median(startup_s), "startup_max_s": max(startup_s),
            "gap_median_s": statistics.median(gaps) if gaps else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="quick", choices=list(SPEC.budgets))
    parser.add_argument("--storage-path", type=Path, default=Path(tempfile.mkdtemp(prefix="mpis-bench-")))
    arguments = parser.parse_args()
    timeline = TrialTimeline()
    concurrency = SPEC.budgets[arguments.budget].max_concurrent
    started = time.time()
    status = run_study_cli(SPEC, ["--budget", arguments.budget, "--storage-path", str(arguments.storage_path),
                                  "--name", "overhead"], prog="quickstart.py", callbacks=[timeline])
    wall_s = time.time() - started
    if status != 0:
        raise SystemExit(f"the quickstart failed with status {status}")
    figures = summarize(timeline, arguments.storage_path / "overhead", wall_s, concurrency)
    print("\nstudy overhead (quickstart, budget {}):".format(arguments.budget))
    for key, value in figures.items():
        print(f"  {key:22s} {value:.3f}" if isinstance(value, float) else f"  {key:22s} {value}")


if __name__ == "__main__":
    main()
