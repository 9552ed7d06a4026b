"""What a study prints when it ends: trial outcomes, the best trial (a multi-objective study: its
Pareto front instead, every trial on it with its objectives and energy per test sample), the best
trial of each method (multi-method studies) and the regenerated table.

Diverged and errored trials are never on the front (nor the best trial): they are counted in the
outcome line and named below it. The best trial is ranked by ``analysis.trial_ranking`` (ties to the lower trial id), the rule of
Table E and ``ResultGrid.get_best_result`` (the earlier trial), so all three name the same trial.
Exit status: 0 when at least one trial ended without failing (completed, or stopped early by ASHA),
1 when every trial failed (errored after its retries, or diverged).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pandas as pd
from ray.tune import Result, ResultGrid
from ray.tune.utils.util import flatten_dict

from analysis.pareto import OBJECTIVES, non_dominated
from analysis.study_error import StudyError
from analysis.study_files import (
    DIVERGED_EPOCH,
    DIVERGED_STEP,
    DIVERGED_VALUE,
    DIVERGED_WHAT,
    JOURNAL_FILE,
    NODE,
    STATUS,
    STATUS_DIVERGED,
)
from analysis.tables import build_table, to_markdown
from analysis.tables.__main__ import default_table
from mpis import metric_names
from mpis.cli import EXIT_ALL_FAILED
from studies.runner.settings import StudySettings
from studies.runner.spec import StudySpec

COMPLETED, STOPPED, DIVERGED, ERRORED = "completed", "stopped early", "diverged", "errored"


def trial_outcome(result: Result, epochs: int) -> str:
    metrics = result.metrics or {}
    if result.error is not None:
        return ERRORED
    if metrics.get(STATUS) == STATUS_DIVERGED:
        return DIVERGED
    return COMPLETED if metrics.get(metric_names.EPOCH, 0) >= epochs else STOPPED


def best_trial(results: ResultGrid, spec: StudySpec, epochs: int) -> Result:
    """The best trial by the study metric's last value among trials that did not fail; ties to the
    lower trial id (``analysis.trial_ranking``'s rule)."""
    usable = [result for result in results if trial_outcome(result, epochs) in (COMPLETED, STOPPED)
              and _is_number((result.metrics or {}).get(spec.metric))]
    sign = -1.0 if spec.mode == "max" else 1.0
    return min(usable, key=lambda result: (sign * result.metrics[spec.metric], str(result.metrics.get("trial_id"))))


def print_best_trial(best: Result, spec: StudySpec) -> None:
    metrics = best.metrics or {}
    print(f"Best trial: {Path(best.path).name} ({spec.metric} = {metrics.get(spec.metric)}, "
          f"node {metrics.get(NODE)}, device {metrics.get(metric_names.DEVICE)})")
    for key, value in sorted(flatten_dict(best.config, delimiter=".").items()):
        print(f"  {key} = {value}")
    print(f"  epoch time {metrics.get(metric_names.EPOCH_TIME_S, float('nan')):.2f} s, peak memory "
          f"{metrics.get(metric_names.PEAK_MEMORY_MB, float('nan')):.0f} MB "
          f"({metrics.get(metric_names.MEMORY_KIND)}), folder {best.path}")
    if _is_number(metrics.get(metric_names.ENERGY_UJ)):
        print(f"  {_energy(metrics)}")
    if _is_number(metrics.get(metric_names.FIXED_POINT_RESIDUAL)):
        print(f"  equilibrium: fixed-point residual {metrics[metric_names.FIXED_POINT_RESIDUAL]:.3f} "
              f"(max {metrics.get(metric_names.FIXED_POINT_RESIDUAL_MAX, float('nan')):.3f}), spectral radius "
              f"{metrics.get(metric_names.SPECTRAL_RADIUS, float('nan')):.2f}, backward "
              f"{metrics.get(metric_names.BACKWARD_STEPS, float('nan')):.1f} steps, "
              f"{metrics.get(metric_names.BACKWARD_FALLBACKS, 0)} fallbacks in its last epoch")


def pareto_trials(results: ResultGrid, spec: StudySpec, epochs: int) -> list[Result]:
    """The non-dominated trials over ``spec.objectives`` among the completed ones with every objective
    finite (``analysis.pareto.non_dominated``), best first by the first objective."""
    objectives = spec.objective_metrics
    usable = [result for result in results if trial_outcome(result, epochs) == COMPLETED
              and all(_is_number((result.metrics or {}).get(metric)) for metric in objectives)]
    frame = pd.DataFrame([{metric: result.metrics[metric] for metric in objectives} for result in usable])
    return [usable[index] for index in non_dominated(frame, objectives).index] if usable else []


def print_pareto_front(front: list[Result], spec: StudySpec) -> None:
    names = {metric: name for name, (metric, _) in OBJECTIVES.items()}
    print(f"Pareto front over {', '.join(spec.objectives)}: {len(front)} trial(s) no other completed trial "
          "beats on every objective")
    for result in front:
        metrics = result.metrics
        values = ", ".join(f"{names[metric]} ({metric}, {mode}) = {metrics[metric]:.4g}"
                           for metric, mode in spec.objective_metrics.items())
        print(f"  {Path(result.path).name}: {values}")
        if _is_number(metrics.get(metric_names.ENERGY_UJ)):
            print(f"    {_energy(metrics)}")


def _energy(metrics: dict) -> str:
    return (f"energy {metrics[metric_names.ENERGY_UJ]:.4g} uJ per test sample "
            f"({metrics.get(metric_names.SYNAPTIC_OPS, float('nan')):.3g} ACs, "
            f"{metrics.get(metric_names.MACS, float('nan')):.3g} MACs; dense ANN "
            f"{metrics.get(metric_names.ENERGY_RATIO, float('nan')):.3g}x that)")


def print_study_table(experiment_dir: Path) -> None:
    """The study's table and the best trial per method, regenerated by ``analysis`` from the directory."""
    try:
        print(to_markdown(build_table(experiment_dir, default_table(experiment_dir))))
    except Exception as error:  # the study is reported either way; say why the table is missing
        print(f"(no table: {type(error).__name__}: {error})")
    try:
        print(to_markdown(build_table(experiment_dir, "F")))  # the best trial of each method
    except StudyError:
        pass  # a study of one method: Table F has nothing to compare
    except Exception as error:
        print(f"(no best-per-method table: {type(error).__name__}: {error})")


def summarize(results: ResultGrid, spec: StudySpec, settings: StudySettings) -> int:
    """Print the outcome counts, the best trial and the table; return the exit status."""
    outcomes = Counter(trial_outcome(result, settings.base.train.epochs) for result in results)
    counts = ", ".join(f"{outcomes[kind]} {kind}" for kind in (COMPLETED, STOPPED, DIVERGED, ERRORED))
    print(f"\nStudy {settings.experiment_dir.name}: {len(results)} trials: {counts}")
    for result in results:
        if result.error is not None:
            print(f"  errored: {Path(result.path).name}: {_last_line(result.error)}")
        elif trial_outcome(result, settings.base.train.epochs) == DIVERGED:
            print(f"  diverged: {Path(result.path).name}: {_divergence(result.metrics)}")
    if outcomes[COMPLETED] + outcomes[STOPPED] == 0:  # diverged and errored trials only
        print("Every trial failed.")
        return EXIT_ALL_FAILED
    if len(spec.objective_metrics) > 1:
        print_pareto_front(pareto_trials(results, spec, settings.base.train.epochs), spec)
    else:
        print_best_trial(best_trial(results, spec, settings.base.train.epochs), spec)
    print_study_table(settings.experiment_dir)
    print(f"Study directory: {settings.experiment_dir}")
    if (settings.experiment_dir / JOURNAL_FILE).exists():
        print(f"Optuna study: optuna-dashboard --host 127.0.0.1 {settings.experiment_dir / JOURNAL_FILE}")
    return 0


def _divergence(metrics: dict) -> str:
    return (f"{metrics.get(DIVERGED_WHAT)} = {metrics.get(DIVERGED_VALUE)} at epoch {metrics.get(DIVERGED_EPOCH)}, "
            f"step {metrics.get(DIVERGED_STEP)}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _last_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[-1]
