"""The MPIS paper's convergence figure: the fixed-point residual ``||f(a[t]) - a[t]|| / ||a[t]||`` of
each stream's running rate per simulation step ("MulRes n") next to a single-stream model
("SingleRes"), on a log scale. The legend names each model's weights (trained checkpoint or
untrained) and the title (or, when they differ, the legend) the inputs simulated: real test samples
or seeded random inputs, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.figures.figure_files import new_figure

if TYPE_CHECKING:  # importing it would import torch; the figure needs only the traces
    from analysis.convergence import ConvergenceTraces


def plot_convergence_traces(traces: list[ConvergenceTraces], *, show_joint: bool = False):
    """One line per stream of every model in ``traces`` (one colour per model, one line style per
    stream), from step 0; zeros are not drawn on the log axis, and a curve that is zero throughout
    says so in the legend."""
    figure, axes = new_figure(7.0, 4.5)
    any_positive = False
    sources = {trace.inputs for trace in traces}
    for index, trace in enumerate(traces):
        colour = f"C{index % 10}"
        curves = dict(trace.curves, **({"joint": trace.joint} if show_joint else {}))
        for number, (name, values) in enumerate(curves.items()):
            steps = range(len(values))
            shown = [value if value > 0 else float("nan") for value in values]
            silent = not any(value > 0 for value in values)
            any_positive = any_positive or not silent
            inputs = f"; {trace.inputs}" if len(sources) > 1 else ""
            axes.plot(steps, shown, color=colour, linestyle=("-", "--", ":", "-.")[number % 4],
                      label=f"{name}: {trace.label}{inputs}" + (" (all zero)" if silent else ""))
    if any_positive:
        axes.set_yscale("log")
    axes.set_xlabel("simulation step t")
    axes.set_ylabel(r"$\|f(a[t])-a[t]\| \,/\, \|a[t]\|$")
    title = "Fixed-point residual of the simulated rates per stream"
    axes.set_title(title + (f"\ninputs: {next(iter(sources))}" if len(sources) == 1 else ""), fontsize="medium")
    axes.legend(fontsize="small")
    return figure
