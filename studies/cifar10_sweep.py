"""The flagship study: MPIS vs IDE on CIFAR-10, swept with Optuna TPE and ASHA on Ray Tune.

Searched: model family (mpis_cifar10, 11.7M / ide_cifar10_cifarnetf, 11.8M: the sizes the MPIS paper
compares), MPIS streams (1-4) and depth (2-5), the contraction control (spectral bound of the
feedback, Jacobian penalty), V_th, leak, the initial membrane potential, T, forward tolerance, the
backward solver with its max iterations and tolerance, and the learning rate. Trials are ranked by
best test accuracy.

    python studies/cifar10_sweep.py --preset quick    # CPU-sized: 200 images, 2 epochs
    python studies/cifar10_sweep.py --preset paper --address HEAD:6379 --gpus-per-trial 0.5 \\
        --storage-path /shared/results
"""

from __future__ import annotations

import sys
from pathlib import Path

from mpis.config import DataConfig, ExperimentConfig, ModelConfig, NeuronConfig, SimulationConfig, TrainConfig
from studies.cifar_budgets import cifar_sweep_budgets
from studies.runner import StudySpec, run_study_cli
from studies.search_spaces import equilibrium_sweep_space

BASE = ExperimentConfig(
    model=ModelConfig(preset="mpis_cifar10", neuron=NeuronConfig(v_threshold=2.0, leak=0.99),
                      simulation=SimulationConfig(time_steps=30)),
    data=DataConfig(dataset="cifar10", batch_size=128, test_batch_size=200),
    train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(50, 75), warmup_iterations=400))

SPACE = equilibrium_sweep_space(["mpis_cifar10", "ide_cifar10_cifarnetf"])
# Tried first, one per family, so both run whatever TPE draws next.
FAMILIES = ({"model": {"preset": "mpis_cifar10"}}, {"model": {"preset": "ide_cifar10_cifarnetf"}})
BUDGETS = cifar_sweep_budgets("CIFAR-10")

SPEC = StudySpec(name="cifar10_sweep", description=__doc__.split("\n\n")[0], base=BASE, space=SPACE,
                 budgets=BUDGETS, starting_points=FAMILIES)


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
