"""The IDE paper's results on MNIST, Fashion-MNIST and N-MNIST: IF and LIF, mean +/- std over seeds.

Six arms, as in IDE's scripts (ALGORITHMS.md §5.5, §7.1): F64C5 on MNIST (T = 30), F400 on
Fashion-MNIST (T = 5) and F64C5 on N-MNIST (T = 30, 34x34 frames), each with IF neurons and with LIF
(leak 0.95); every arm runs --num-samples seeds (5 in the paper budget). The neuron is the paper's
(membrane potential 0 before the first step) and hidden BNs follow the paper's policy (batch
statistics in f), so the table reproduces IDE, not this project's defaults.

    python studies/ide_table_static.py --budget quick --data-dir ../shared/data
    python studies/ide_table_static.py --budget paper --address HEAD:6379 --gpus-per-trial 0.5
    python studies/ide_table_static.py --budget paper --arms fmnist_f400_if fmnist_f400_lif --max-concurrent 1
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
    model=ModelConfig(preset="ide_mnist_f64c5", neuron=NeuronConfig(v_threshold=2.0, initial_potential=0.0),
                      hidden_bn="batch"),
    data=DataConfig(dataset="mnist", batch_size=128, test_batch_size=200),
    train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(30, 60, 90)))

NETWORKS = {  # name -> (preset, dataset, T)
    "mnist_f64c5": ("ide_mnist_f64c5", "mnist", 30),
    "fmnist_f400": ("ide_fmnist_f400", "fashion_mnist", 5),
    "nmnist_f64c5": ("ide_nmnist_f64c5", "nmnist", 30),
}
NEURONS = {"if": 1.0, "lif": 0.95}
VARIANTS = {
    f"{network}_{neuron}": {"model": {"preset": preset, "neuron": {"leak": leak},
                                      "simulation": {"time_steps": steps}},
                            "data": {"dataset": dataset, "crop_nmnist": False}}
    for network, (preset, dataset, steps) in NETWORKS.items() for neuron, leak in NEURONS.items()
}

BUDGETS = {
    "quick": Budget(num_samples=2, max_concurrent=2,
                    description="CPU-sized: 500 train / 100 test samples, 2 epochs, 2 seeds per arm",
                    overrides=cpu_sized_overrides(500, 100, 100, epochs=2)),
    "paper": Budget(num_samples=5, max_concurrent=8,
                    description="full data, IDE's 100-epoch schedule, 5 seeds per arm (mean +/- std)"),
    "smoke": Budget(num_samples=1, max_concurrent=2,
                    description="wiring check: 40 train / 20 test samples, 1 epoch, 1 seed per arm",
                    overrides=cpu_sized_overrides(40, 20, 20, epochs=1)),
}
SPEC = StudySpec(name="ide_table_static", description=__doc__.split("\n\n")[0], base=BASE,
                 variants=VARIANTS, budgets=BUDGETS, table="ide_static")


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
