"""The gsnn family (Yao et al., ACML 2023) swept with Optuna TPE and ASHA on Ray Tune.

Searched (ECML.md §4.4): the cell (CNN, LSTM, GRU, RNN; bidirectional only for the recurrent ones),
the window schedule and ratio (no ratio for always-regular windows; 0.625 falls back to 0.75 on
maps it does not divide), the fusion mode and theta (theta only for product/nested fusion), the
region threshold and its fill (the fill only when the threshold is on), T, the LIF decay and V_th,
the encoder, the number of residual blocks and the learning rate. Fixed: SGD with linear warm-up,
gradient clipping at norm 20 and weight decay 2e-5 (the release's recipe). Fashion-MNIST padded to
32x32 by default (CPU); ``--budget paper`` runs CIFAR-10 with the released CIFAR-10 backbone.

    python studies/gsnn_sweep.py --budget quick --data-dir ../shared/data   # F-MNIST subset, CPU
    python studies/gsnn_sweep.py --budget paper --address HEAD:6379 --gpus-per-trial 0.5
"""

from __future__ import annotations

import sys
from pathlib import Path

from ray import tune

from mpis.config import DataConfig, ExperimentConfig, TrainConfig
from mpis.models import with_preset_defaults
from studies.cpu_budgets import cpu_sized_overrides
from studies.runner import Budget, StudySpec, run_study_cli
from studies.runner.space import deep_merge
from studies.search_spaces import gsnn_sweep_space

BASE = with_preset_defaults(ExperimentConfig(
    data=DataConfig(dataset="fashion_mnist", batch_size=128, test_batch_size=200),
    train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(50, 75), warmup_iterations=400), seed=0),
    "gsnn_fmnist_cnn")
SPACE = gsnn_sweep_space("gsnn_fmnist_cnn", blocks=[6, 8, 10])
CIFAR10 = {"model": {"preset": "gsnn_cifar10_cnn"}, "data": {"dataset": "cifar10", "pad_to": None}}

# CPU budgets: 30 warm-up iterations and lower learning rates (without the paper's 400 warm-up
# iterations, lr 0.05 diverges within an epoch on these subsets)
CPU_LR = {"train": {"learning_rate": tune.choice([0.005, 0.01, 0.02])}}

BUDGETS = {
    "quick": Budget(num_samples=8, max_concurrent=2, grace_period=1, reduction_factor=2,
                    description="CPU-sized: 500 train / 200 test Fashion-MNIST images (32x32), 2 epochs, 8 trials",
                    overrides=deep_merge(cpu_sized_overrides(500, 200, 50, epochs=2), {"train": {"warmup_iterations": 30}}),
                    space=CPU_LR),
    "paper": Budget(num_samples=64, max_concurrent=8, grace_period=15, reduction_factor=3,
                    description="full CIFAR-10, the released backbone (12/20/24 blocks), 100 epochs, 64 trials",
                    overrides={"model": {"preset": "gsnn_cifar10_cnn"}, "data": {"dataset": "cifar10", "pad_to": None}},
                    space={"model": {"preset": tune.choice(["gsnn_cifar10_cnn"]),
                                     "gsnn": {"blocks": tune.choice([12, 20, 24])}}}),
    "smoke": Budget(num_samples=2, max_concurrent=2, grace_period=1, reduction_factor=2,
                    description="wiring check: 40 train / 20 test Fashion-MNIST images, 1 epoch, 2 trials",
                    overrides=deep_merge(cpu_sized_overrides(40, 20, 20, epochs=1), {"train": {"warmup_iterations": 2}}),
                    space=CPU_LR),
}
SPEC = StudySpec(name="gsnn_sweep", description=__doc__.split("\n\n")[0], base=BASE, space=SPACE, budgets=BUDGETS)


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
