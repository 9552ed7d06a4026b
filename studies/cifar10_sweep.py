"""The flagship study: MPIS vs IDE on CIFAR-10, swept with Optuna TPE and ASHA on Ray Tune.

Searched: model family (mpis_cifar10, 11.7M / ide_cifar10_cifarnetf, 11.8M: the sizes the MPIS paper
compares), MPIS streams (1-4) and depth (2-5), the contraction control (spectral bound of the
feedback, Jacobian penalty), V_th, leak, the initial membrane potential, T, forward tolerance, the
backward solver with its max iterations and tolerance, and the learning rate. Trials are ranked by
best test accuracy.

    python studies/cifar10_sweep.py --budget quick    # CPU-sized: 200 images, 2 epochs
    python studies/cifar10_sweep.py --budget paper --address HEAD:6379 --gpus-per-trial 0.5 \\
        --storage-path /shared/results
"""

from __future__ import annotations

import sys
from pathlib import Path

from studies.cifar_sweep_spec import cifar_sweep_spec
from studies.runner import run_study_cli

SPEC = cifar_sweep_spec(10, description=__doc__.split("\n\n")[0])


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
