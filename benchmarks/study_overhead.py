"""How much Ray Tune and Optuna cost a study: the quickstart's wall time against its trials' own training.

Runs ``studies/quickstart.py`` in this process (its own local Ray, as the README command does) and
prints, with ``C`` the trials that run at once and ``W`` the study's wall time (Ray start and stop
and the final tables included), so that ``C x W`` is every trial slot's time:

* whether trial workers are reused (``reuse_actors``) and how many worker processes ran the trials,
  and what peak memory the trials measured (``memory_kind``; ``cpu_epoch_peak_rss``: the process's
  peak RSS from each epoch's start, reset through ``/proc/self/clear_refs``, so it is the trial's own
  even in a reused worker; ``cpu_peak_rss``: since the process started);
* the trials' training (``epoch_time_s`` summed over every epoch: the training passes only) and
  their own time (Tune's ``time_total_s``: also data, model, BN calibration, test passes, checkpoints);
* the share of the wall time outside the trials' own time, ``1 - own / (C x W)``
  (``overhead_fraction``: what Ray, Tune and Optuna cost), against the goal of at most 15 %, and
  the share outside their training passes alone, ``1 - training / (C x W)``;
* where the slots' time goes: training; in the trial before its first epoch (data, model, BN
  calibration) and per epoch after training (test pass, checkpoint, report); trial start-up (from
  Tune creating the trial, seen by a driver callback to +-0.1 s, to the trainable's first line in
  ``mpis_attempts.jsonl``: a new worker process, imports and parameter transfer, or a reused
  worker's reset); Ray's start before the first trial (data check, ``ray.init``, Tune's set-up) and
  everything after the last; the rest (Optuna suggestions, whose driver time is shown, scheduling
  gaps, slots left idle at the end);
* how long imports take, each measured in a separate process: a new worker's import of the
  trainable (``studies.runner.trainable``) on top of ``ray.tune`` and torch, and the driver's own
  (``studies.quickstart`` and the runner), which comes before the wall time above.

    python benchmarks/study_overhead.py                  # the quick budget (16 trials)
    python benchmarks/study_overhead.py --budget smoke   # 4 small trials
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ray import tune

from studies.quickstart import SPEC
from studies.runner import run_study_cli, search_setup
from studies.runner.searcher import StudyOptunaSearch
from studies.runner.trial_records import read_attempts

GOAL = 0.15  # at most this share of the wall time outside the trials' own time
TRAINABLE_IMPORTS = ("import ray.tune, torch", "import studies.runner.trainable")  # (already there, timed)
DRIVER_IMPORTS = ("pass", "import studies.quickstart, studies.runner.command_line")


class TrialTimeline(tune.Callback):
    """Driver-side wall-clock times of each trial's creation and end, and of the experiment."""

    def __init__(self):
        self.launched: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.folders: dict[str, str] = {}
        self.study_started = self.study_ended = self.fit_started = self.fit_ended = None  # set by main

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


def timed_suggestions(spent: list[float]) -> None:
    """Record the driver time of every Optuna suggestion (this process only)."""
    suggest = StudyOptunaSearch.suggest

    def timed(self, trial_id):
        started = time.perf_counter()
        try:
            return suggest(self, trial_id)
        finally:
            spent.append(time.perf_counter() - started)

    StudyOptunaSearch.suggest = timed


def rows(trial_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]


def import_s(before: str, timed: str) -> float:
    code = f"import time; {before}; started = time.perf_counter(); {timed}; print(time.perf_counter() - started)"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(probe.stdout.split()[-1])


def summarize(timeline: TrialTimeline, study: Path, wall_s: float, concurrency: int, suggest_s: list[float]) -> dict:
    trial_s, training_s, startup_s, setup_s, after_epochs_s, pids, kinds = [], [], [], [], [], set(), set()
    for trial_id, folder in timeline.folders.items():
        trial_dir, attempt = study / folder, read_attempts(study / folder)[0]
        reports = [row for row in rows(trial_dir) if "epoch_time_s" in row]
        trial_s.append(rows(trial_dir)[-1]["time_total_s"])
        training_s.append(sum(row["epoch_time_s"] for row in reports))
        extras = [row["time_this_iter_s"] - row["epoch_time_s"] for row in reports]  # test, checkpoint, report
        per_epoch = statistics.median(extras[1:]) if len(extras) > 1 else 0.0
        setup_s.append(max(0.0, extras[0] - per_epoch) if extras else 0.0)  # data, model, BN calibration
        after_epochs_s.append(sum(extras) - setup_s[-1])
        startup_s.append(datetime.fromisoformat(attempt["started"]).timestamp() - timeline.launched[trial_id])
        pids.add(attempt["pid"])
        kinds.update(str(row.get("memory_kind")) for row in reports)
    launches, ends = sorted(timeline.launched.values()), sorted(timeline.ended.values())
    gaps = [launch - max(end for end in ends if end <= launch)
            for launch in launches[concurrency:] if any(end <= launch for end in ends)]
    slots_s = concurrency * wall_s
    ray_start_s = timeline.fit_started - timeline.study_started
    after_fit_s = timeline.study_ended - timeline.fit_ended
    accounted = sum(trial_s) + sum(startup_s) + concurrency * (ray_start_s + after_fit_s)
    return {"trials": len(trial_s), "concurrency": concurrency,
            "reuse_actors": getattr(search_setup, "REUSE_ACTORS", False), "worker_processes": len(pids),
            "memory_kind": ", ".join(sorted(kinds)), "study_wall_s": wall_s,
            "fit_wall_s": timeline.fit_ended - timeline.fit_started,
            "sum_trial_time_s": sum(trial_s), "sum_training_time_s": sum(training_s),
            "ideal_wall_s": sum(trial_s) / concurrency, "overhead_s": wall_s - sum(trial_s) / concurrency,
            "overhead_fraction": (wall_s - sum(trial_s) / concurrency) / wall_s,
            "outside_training_fraction": 1 - sum(training_s) / slots_s,
            "slot_s": slots_s, "  training_s": sum(training_s), "  trial_before_epochs_s": sum(setup_s),
            "  trial_test_checkpoint_s": sum(after_epochs_s), "  trial_startup_s": sum(startup_s),
            "  ray_start_slot_s": concurrency * ray_start_s, "  after_fit_slot_s": concurrency * after_fit_s,
            "  rest_s": slots_s - accounted, "optuna_suggest_s": sum(suggest_s),
            "startup_median_s": statistics.median(startup_s), "startup_max_s": max(startup_s),
            "gap_median_s": statistics.median(gaps) if gaps else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="quick", choices=list(SPEC.budgets))
    parser.add_argument("--storage-path", type=Path, default=Path(tempfile.mkdtemp(prefix="mpis-bench-")))
    arguments = parser.parse_args()
    timeline, suggest_s = TrialTimeline(), []
    timed_suggestions(suggest_s)
    concurrency = SPEC.budgets[arguments.budget].max_concurrent
    timeline.study_started = time.time()
    status = run_study_cli(SPEC, ["--budget", arguments.budget, "--storage-path", str(arguments.storage_path),
                                  "--name", "overhead"], prog="quickstart.py", callbacks=[timeline])
    timeline.study_ended = time.time()
    if status != 0:
        raise SystemExit(f"the quickstart failed with status {status}")
    figures = summarize(timeline, arguments.storage_path / "overhead", timeline.study_ended - timeline.study_started,
                        concurrency, suggest_s)
    figures["trainable_import_s"] = import_s(*TRAINABLE_IMPORTS)
    figures["driver_import_s"] = import_s(*DRIVER_IMPORTS)
    print(f"\nstudy overhead (quickstart, budget {arguments.budget}; slot times are trial-slot seconds, "
          f"{concurrency} slots x the wall time):")
    for key, value in figures.items():
        print(f"  {key:26s} {value:.3f}" if isinstance(value, float) else f"  {key:26s} {value}")
    share, strict = figures["overhead_fraction"], figures["outside_training_fraction"]
    print(f"\noutside the trials' own time (Ray, Tune, Optuna): {100 * share:.1f} % of the wall time "
          f"(goal: at most {100 * GOAL:.0f} %: {'met' if share <= GOAL else 'not met'})")
    print(f"outside the trials' training passes: {100 * strict:.1f} % (the trials' own data, model, BN calibration, "
          f"test passes and checkpoints included)")


if __name__ == "__main__":
    main()
