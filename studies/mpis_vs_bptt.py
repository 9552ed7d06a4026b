"""The MPIS paper's first table: MPIS vs BPTT on Fashion-MNIST and N-MNIST at T = 30 and 100.

Eight arms: {F-MNIST, N-MNIST} x {MPIS (implicit differentiation), BPTT (the plain spiking CNN
baselines 16C3-32C3-48C3-FC10 / 32C3-32C3-64C3-FC10, surrogate gradients through all T steps)} x
T in {30, 100}; every arm runs --num-samples seeds. The table compares accuracy, time per epoch and
peak memory (constant in T for MPIS, growing with T for BPTT).

    python studies/mpis_vs_bptt.py --budget quick --data-dir ../shared/data
    python studies/mpis_vs_bptt.py --budget paper --address HEAD:6379 --gpus-per-trial 1
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

# MPIS's released N-MNIST schedule, truncated where its lr reaches 1e-6 (epoch 200 of 500).
BASE = ExperimentConfig(
    model=ModelConfig(preset="mpis_fmnist", neuron=NeuronConfig(v_threshold=2.0, leak=0.95)),
    data=DataConfig(dataset="fashion_mnist", batch_size=128, test_batch_size=128),
    train=TrainConfig(epochs=200, learning_rate=0.1, milestones=(15, 50, 100, 150), warmup_iterations=500))

DATASETS = {"fmnist": {"dataset": "fashion_mnist"}, "nmnist": {"dataset": "nmnist"}}
METHODS = {  # (dataset, method) -> model and the N-MNIST crop that model reads
    ("fmnist", "mpis"): ({"preset": "mpis_fmnist", "gradient": "implicit"}, {}),
    ("fmnist", "bptt"): ({"preset": "cnn_fmnist", "gradient": "bptt"}, {}),
    ("nmnist", "mpis"): ({"preset": "mpis_nmnist", "gradient": "implicit"}, {"crop_nmnist": True}),
    ("nmnist", "bptt"): ({"preset": "cnn_nmnist", "gradient": "bptt"}, {"crop_nmnist": False}),
}
VARIANTS = {
    f"{dataset}_{method}_T{steps}": {"model": {**model, "simulation": {"time_steps": steps}},
                                     "data": {**DATASETS[dataset], **crop}}
    for (dataset, method), (model, crop) in METHODS.items() for steps in (30, 100)
}

BUDGETS = {
    "quick": Budget(num_samples=1, max_concurrent=2,
                    description="CPU-sized: 300 train / 100 test samples, 2 epochs, 1 seed per arm",
                    overrides=cpu_sized_overrides(300, 100, 50, epochs=2)),
    "paper": Budget(num_samples=1, max_concurrent=8,
                    description="full data, MPIS's schedule for 200 epochs, 1 seed per arm (the paper's)"),
    "smoke": Budget(num_samples=1, max_concurrent=2,
                    description="wiring check: 40 train / 20 test samples, 1 epoch, 1 seed per arm",
                    overrides=cpu_sized_overrides(40, 20, 20, epochs=1)),
}
SPEC = StudySpec(name="mpis_vs_bptt", description=__doc__.split("\n\n")[0], base=BASE,
                 variants=VARIANTS, budgets=BUDGETS, table="mpis_vs_bptt")


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
