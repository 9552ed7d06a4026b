"""Write every figure a study has data for into one folder, as PNG and SVG.

Figures: ``accuracy_vs_time_steps``, ``memory_vs_time_steps``, ``epoch_time_vs_time_steps``,
``convergence_traces``, ``accuracy_vs_memory_pareto`` and ``hyperparameter_importances``. A figure
without data is skipped with the reason (e.g. a grid study has no Optuna journal).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from analysis.figures.convergence_figure import plot_convergence_traces
from analysis.figures.figure_files import save_figure
from analysis.figures.importance_figure import plot_hyperparameter_importances
from analysis.figures.pareto_figure import plot_accuracy_vs_memory
from analysis.figures.time_step_curves import (
    plot_accuracy_vs_time_steps,
    plot_epoch_time_vs_time_steps,
    plot_memory_vs_time_steps,
)
from analysis.load_results import load_trials, successful_trials
from analysis.optuna_importance import importance_report
from analysis.study_error import StudyError
from analysis.study_files import read_study_info
from mpis import metric_names as m


class FigureReport(NamedTuple):
    written: dict[str, list[Path]]  # figure name -> its PNG and SVG
    skipped: dict[str, str]  # figure name -> why it has no data


def figure_builders(study_dir: Path, *, convergence_presets: list[str] | None = None,
                    convergence_checkpoints: list[Path] | None = None, convergence_steps: int = 100,
                    convergence_batch: int = 4, convergence_untrained: bool = False) -> dict[str, Callable]:
    """Figure name -> a function ``() -> Figure`` for the study in ``study_dir``."""
    from analysis.figures.convergence_models import (
        trace_models,  # imports torch: only when drawn
    )

    trials = successful_trials(load_trials(study_dir), study_dir)
    info = read_study_info(study_dir)
    ranking = {"rank_by": info.get("metric") or m.BEST_TEST_ACCURACY, "mode": info.get("mode") or "max"}
    return {
        "accuracy_vs_time_steps": lambda: plot_accuracy_vs_time_steps(trials, **ranking),
        "memory_vs_time_steps": lambda: plot_memory_vs_time_steps(trials, **ranking),
        "epoch_time_vs_time_steps": lambda: plot_epoch_time_vs_time_steps(trials, **ranking),
        "convergence_traces": lambda: plot_convergence_traces(trace_models(
            trials, info, presets=convergence_presets, checkpoints=convergence_checkpoints, study_dir=study_dir,
            time_steps=convergence_steps, batch_size=convergence_batch, untrained=convergence_untrained)),
        "accuracy_vs_memory_pareto": lambda: plot_accuracy_vs_memory(trials),
        "hyperparameter_importances": lambda: plot_hyperparameter_importances(
            importance_report(study_dir), title=f"Hyperparameter importances: {info.get('study', '')}"),
    }


def write_all_figures(study_dir: str | Path, out_dir: str | Path, **options) -> FigureReport:
    """Build and save every figure with data (``options`` go to :func:`figure_builders`)."""
    written, skipped = {}, {}
    for name, build in figure_builders(Path(study_dir), **options).items():
        try:
            written[name] = save_figure(build(), out_dir, name)
        except StudyError as error:
            skipped[name] = str(error)
    return FigureReport(written, skipped)
