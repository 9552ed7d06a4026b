"""Figures of a study (matplotlib; PNG and SVG): accuracy, memory and time per epoch against T,
the per-stream convergence traces, accuracy vs memory with the Pareto front, and Optuna's
hyperparameter importances.

Example (needs a study directory)::

    report = write_all_figures("results/fmnist_sweep", "figures/")
"""

from analysis.figures.all_figures import FigureReport, write_all_figures
from analysis.figures.convergence_figure import plot_convergence_traces
from analysis.figures.figure_files import save_figure
from analysis.figures.importance_figure import plot_hyperparameter_importances
from analysis.figures.pareto_figure import plot_accuracy_vs_memory
from analysis.figures.time_step_curves import (
                                               plot_accuracy_vs_time_steps,
                                               plot_epoch_time_vs_time_steps,
                                               plot_memory_vs_time_steps,
                                               plot_metric_vs_time_steps,
)

__all__ = ["FigureReport", "write_all_figures", "plot_convergence_traces", "save_figure",
           "plot_hyperparameter_importances", "plot_accuracy_vs_memory", "plot_accuracy_vs_time_steps",
           "plot_epoch_time_vs_time_steps", "plot_memory_vs_time_steps", "plot_metric_vs_time_steps"]
