"""Quickstart: MPIS vs IDE vs BPTT on scikit-learn's 8x8 digits, offline, in a few minutes on 2 CPUs.

An Optuna TPE sweep with ASHA over the model family (mpis_digits: 2 streams of 3 spiking layers;
ide_digits_f64c5: one spiking conv layer with feedback), the gradient (implicit differentiation or
BPTT through all T steps), MPIS streams (1-3) and depth (2-4), V_th and T. Prints the best
configurations at the end. The first three trials are one per method (MPIS, IDE, BPTT).

    python studies/quickstart.py                 # 16 trials of up to 4 epochs on the 1,438 digits
    python studies/quickstart.py --budget smoke  # 4 small trials: checks the set-up in about a minute
"""

from __future__ import annotations

import sys
from pathlib import Path

from ray import tune

from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
    TrainConfig,
)
from studies.cpu_budgets import cpu_sized_overrides
from studies.runner import Budget, StudySpec, run_study_cli

BASE = ExperimentConfig(
    model=ModelConfig(preset="mpis_digits", neuron=NeuronConfig(v_threshold=2.0, leak=1.0),
                      simulation=SimulationConfig(time_steps=10)),
    data=DataConfig(dataset="digits", batch_size=64, test_batch_size=400),
    train=TrainConfig(epochs=4, learning_rate=0.05, milestones=(), warmup_iterations=0))

SPACE = {
    "model": {
        "preset": tune.choice(["mpis_digits", "ide_digits_f64c5"]),  # the family: MPIS or IDE
        "gradient": tune.choice(["implicit", "bptt"]),  # implicit differentiation or BPTT
        "streams": tune.randint(1, 4),  # 1-3 (MPIS only; a 4th stream would be 1x1 on 8x8 digits)
        "depth": tune.randint(2, 5),  # 2-4 spiking layers per stream (MPIS only)
        "neuron": {"v_threshold": tune.uniform(1.0, 4.0)},
        "simulation": {"time_steps": tune.qrandint(5, 30, 5)},
    },
}

# Tried first, so each method runs whatever TPE draws next (V_th and T are still sampled).
METHODS = ({"model": {"preset": "mpis_digits", "gradient": "implicit"}},  # MPIS
           {"model": {"preset": "ide_digits_f64c5", "gradient": "implicit"}},  # IDE
           {"model": {"preset": "mpis_digits", "gradient": "bptt"}})  # BPTT (MPIS's layers, unrolled)

BUDGETS = {
    "quick": Budget(num_samples=16, max_concurrent=2, grace_period=3, reduction_factor=2,
                    description="all 1,438 training digits, up to 4 epochs (ASHA judges from epoch 3, "
                                "so every method trains long enough to be compared), 16 trials "
                                "(about 4 minutes on 2 CPUs)"),
    "smoke": Budget(num_samples=4, max_concurrent=2, grace_period=1, reduction_factor=2,
                    description="200 / 100 digits, 2 epochs, 4 trials (about a minute)",
                    overrides=cpu_sized_overrides(200, 100, 50, epochs=2)),
}

SPEC = StudySpec(name="quickstart", description=__doc__.split("\n\n")[0], base=BASE, space=SPACE,
                 budgets=BUDGETS, starting_points=METHODS, table="quickstart")


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
