"""``python -m analysis.figures STUDY_DIR --out DIR`` writes every figure the study has data for.

Each figure is saved as PNG and SVG; figures without data are listed with the reason. The
convergence figure simulates the best MPIS and IDE trial's model with the weights of its latest
checkpoint (``--convergence-untrained``: freshly initialised weights; a study that kept no
checkpoint: untrained, and the legend says so) on test samples of the trial's dataset (seeded random
inputs when the data is not on disk), or the trained checkpoints given with
``--convergence-checkpoints``, or the presets given with ``--convergence-presets`` (untrained,
random inputs). ``--pareto accuracy,energy`` (2 or 3 of accuracy, energy, memory, time_steps)
writes only the Pareto figure over those objectives, ``pareto_<names>.png``/``.svg``
(``analysis.figures.objective_pareto``). Bad input (an unknown objective, a missing study,
``--convergence-steps 0`` or more steps than mpis simulates, ``--convergence-batch 0``, an ``--out``
that is a file or cannot be created, an unknown preset, a folder without a checkpoint) exits with
status 2 and one line, before any figure is drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.command_line import OneLineParser, positive_int, require_output_folder
from analysis.figures.all_figures import write_all_figures
from analysis.figures.figure_files import save_figure
from analysis.figures.objective_pareto import pareto_figure_name, plot_pareto_front
from analysis.load_results import load_trials, successful_trials
from analysis.pareto import parse_objectives
from analysis.study_error import StudyError, exit_on_study_error
from analysis.study_files import find_trial_dirs


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m analysis.figures", description=__doc__.split("\n")[0])
    parser.add_argument("study_dir", type=Path, help="Ray Tune experiment directory of a study")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG and SVG files")
    parser.add_argument("--convergence-steps", type=positive_int, default=100, help="simulation steps traced")
    parser.add_argument("--convergence-batch", type=positive_int, default=4, help="samples in the traced batch")
    parser.add_argument("--convergence-untrained", action="store_true",
                        help="trace the best trials' models with freshly initialised weights, not their checkpoints")
    parser.add_argument("--convergence-presets", nargs="+", metavar="PRESET",
                        help="trace these presets (untrained) instead of the study's best MPIS and IDE trials")
    parser.add_argument("--convergence-checkpoints", nargs="+", metavar="DIR", type=Path,
                        help="trace the models saved in these checkpoint folders (epoch_NNNN / checkpoint_NNNNNN)")
    parser.add_argument("--pareto", type=_objectives, metavar="OBJECTIVES",
                        help="only the Pareto figure over 2 or 3 objectives, e.g. accuracy,energy")
    return parser.parse_args(argv)


def _objectives(text: str) -> tuple[str, ...]:
    try:
        names = parse_objectives(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).replace("--objectives=", "--pareto=", 1)) from None
    if len(names) > 3:
        raise argparse.ArgumentTypeError(f"--pareto={text} is invalid; allowed: 2 or 3 objectives for a figure")
    return names


def check_arguments(arguments: argparse.Namespace) -> None:
    """Everything that can be refused before any work: the study, the output folder, the traced models."""
    from analysis.figures.convergence_models import (
        check_trace_requests,  # imports torch: only now
    )
    from mpis.config import SimulationConfig

    find_trial_dirs(arguments.study_dir)
    require_output_folder(arguments.out)
    try:
        SimulationConfig(time_steps=arguments.convergence_steps)  # mpis's own limit on T
    except ValueError as error:
        steps = arguments.convergence_steps
        raise StudyError(str(error).replace(f"time_steps={steps}", f"--convergence-steps={steps}", 1)) from None
    if arguments.convergence_untrained and arguments.convergence_checkpoints:
        raise StudyError("--convergence-untrained is invalid with --convergence-checkpoints; allowed: one of "
                         "them (checkpoints are trained weights)")
    check_trace_requests(arguments.convergence_presets, arguments.convergence_checkpoints)


@exit_on_study_error
def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    check_arguments(arguments)
    if arguments.pareto is not None:
        trials = successful_trials(load_trials(arguments.study_dir), arguments.study_dir)
        paths = save_figure(plot_pareto_front(trials, arguments.pareto), arguments.out,
                            pareto_figure_name(arguments.pareto))
        print("\n".join(str(path) for path in paths))
        return 0
    report = write_all_figures(arguments.study_dir, arguments.out, convergence_presets=arguments.convergence_presets,
                               convergence_checkpoints=arguments.convergence_checkpoints,
                               convergence_steps=arguments.convergence_steps,
                               convergence_batch=arguments.convergence_batch,
                               convergence_untrained=arguments.convergence_untrained)
    for paths in report.written.values():
        print("\n".join(str(path) for path in paths))
    for name, reason in report.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    if not report.written:
        raise StudyError(f"no figure could be drawn for {arguments.study_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
