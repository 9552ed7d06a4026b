"""``python -m analysis.figures STUDY_DIR --out DIR`` writes every figure the study has data for.

Each figure is saved as PNG and SVG; figures without data are listed with the reason. The
convergence figure simulates the best MPIS and IDE trial's model (the weights of its latest
checkpoint, or untrained ones when the study kept none) on a random batch, or the trained
checkpoints given with ``--convergence-checkpoints``, or the presets given with
``--convergence-presets`` (untrained). Bad input exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.figures.all_figures import write_all_figures
from analysis.study_error import StudyError, exit_on_study_error


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m analysis.figures", description=__doc__.split("\n")[0])
    parser.add_argument("study_dir", type=Path, help="Ray Tune experiment directory of a study")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG and SVG files")
    parser.add_argument("--convergence-steps", type=int, default=100, help="simulation steps traced")
    parser.add_argument("--convergence-batch", type=int, default=4, help="samples in the traced batch")
    parser.add_argument("--convergence-presets", nargs="+", metavar="PRESET",
                        help="trace these presets (untrained) instead of the study's best MPIS and IDE trials")
    parser.add_argument("--convergence-checkpoints", nargs="+", metavar="DIR", type=Path,
                        help="trace the models saved in these checkpoint folders (epoch_NNNN / checkpoint_NNNNNN)")
    return parser.parse_args(argv)


@exit_on_study_error
def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    report = write_all_figures(arguments.study_dir, arguments.out, convergence_presets=arguments.convergence_presets,
                               convergence_checkpoints=arguments.convergence_checkpoints,
                               convergence_steps=arguments.convergence_steps,
                               convergence_batch=arguments.convergence_batch)
    for paths in report.written.values():
        print("\n".join(str(path) for path in paths))
    for name, reason in report.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    if not report.written:
        raise StudyError(f"no figure could be drawn for {arguments.study_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
