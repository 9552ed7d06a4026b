"""The IDE paper's CIFAR results: AlexNet-F and CIFARNet-F, IF and LIF, T = 30 and 100, over seeds.

Thirteen arms as in IDE's table (ALGORITHMS.md §7.1): on CIFAR-10 both networks with IF and LIF
(leak 0.99) at T = 30 and 100; on CIFAR-100 AlexNet-F with IF at T = 100 and CIFARNet-F with IF and
LIF at T = 30 and 100. Every arm runs --num-samples seeds (5 in the paper budget).

    python studies/ide_table_cifar.py --budget paper --address HEAD:6379 --gpus-per-trial 0.5
"""

from __future__ import annotations

import sys
from pathlib import Path

from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    NeuronConfig,
    TrainConfig,
)
from studies.cpu_budgets import cpu_sized_overrides
from studies.runner import Budget, StudySpec, run_study_cli

BASE = ExperimentConfig(
    model=ModelConfig(preset="ide_cifar10_alexnetf", neuron=NeuronConfig(v_threshold=2.0, initial_potential=0.0),
                      hidden_bn="batch"),  # the IDE paper's neuron and BN policy: this table reproduces IDE
    data=DataConfig(dataset="cifar10", batch_size=128, test_batch_size=200),
    train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(50, 75), warmup_iterations=400))

NEURONS = {"if": 1.0, "lif": 0.99}
ROWS = [  # (dataset, network, neurons, time steps) as reported by IDE
    ("cifar10", "alexnetf", ("if", "lif"), (30, 100)),
    ("cifar10", "cifarnetf", ("if", "lif"), (30, 100)),
    ("cifar100", "alexnetf", ("if",), (100,)),
    ("cifar100", "cifarnetf", ("if", "lif"), (30, 100)),
]
VARIANTS = {
    f"{dataset}_{network}_{neuron}_T{steps}": {
        "model": {"preset": f"ide_{dataset}_{network}", "neuron": {"leak": NEURONS[neuron]},
                  "simulation": {"time_steps": steps}},
        "data": {"dataset": dataset}}
    for dataset, network, neurons, all_steps in ROWS for neuron in neurons for steps in all_steps
}

BUDGETS = {
    "quick": Budget(num_samples=1, max_concurrent=2,
                    description="CPU-sized (hours on 2 cores): 200 train / 100 test images, 1 epoch, "
                                "1 seed per arm",
                    overrides=cpu_sized_overrides(200, 100, 50, epochs=1)),
    "paper": Budget(num_samples=5, max_concurrent=8,
                    description="full CIFAR-10/100, IDE's 100-epoch schedule, 5 seeds per arm"),
    "smoke": Budget(num_samples=1, max_concurrent=2,
                    description="wiring check: 20 train / 20 test images, 1 epoch, 1 seed per arm",
                    overrides=cpu_sized_overrides(20, 20, 10, epochs=1)),
}
SPEC = StudySpec(name="ide_table_cifar", description=__doc__.split("\n\n")[0], base=BASE,
                 variants=VARIANTS, budgets=BUDGETS, table="ide_cifar")


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
