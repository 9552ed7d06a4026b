"""The MPIS paper's second table: MPIS vs IDE on CIFAR-10 and CIFAR-100.

Per dataset: IDE CIFARNet-F (11.8M / 14.8M) at T = 30 and 100, MPIS of the same size at T = 30, and
the large static MPIS (28.5M / 30.0M) at T = 30; every arm runs --num-samples seeds. The table
compares accuracy and time per epoch.

    python studies/mpis_vs_ide.py --budget paper --address HEAD:6379 --gpus-per-trial 1
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

# IDE's CIFAR schedule for every arm, as the MPIS paper compares them at equal budgets.
BASE = ExperimentConfig(
    model=ModelConfig(preset="mpis_cifar10", neuron=NeuronConfig(v_threshold=2.0, leak=0.99)),
    data=DataConfig(dataset="cifar10", batch_size=128, test_batch_size=200),
    train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(50, 75), warmup_iterations=400))

ARMS = {  # name -> (preset, T); the dataset is the preset's
    "ide_T30": ("ide_{d}_cifarnetf", 30), "ide_T100": ("ide_{d}_cifarnetf", 100),
    "mpis_T30": ("mpis_{d}", 30), "mpis_static_T30": ("mpis_{d}_static", 30),
}
VARIANTS = {
    f"{dataset}_{arm}": {"model": {"preset": preset.format(d=dataset), "simulation": {"time_steps": steps}},
                         "data": {"dataset": dataset}}
    for dataset in ("cifar10", "cifar100") for arm, (preset, steps) in ARMS.items()
}

BUDGETS = {
    "quick": Budget(num_samples=1, max_concurrent=2,
                    description="CPU-sized (hours on 2 cores: T = 100 on 11.8M-parameter models): "
                                "200 train / 100 test images, 1 epoch, 1 seed per arm",
                    overrides=cpu_sized_overrides(200, 100, 50, epochs=1)),
    "paper": Budget(num_samples=1, max_concurrent=8,
                    description="full CIFAR-10/100, IDE's 100-epoch schedule, 1 seed per arm (the paper's)"),
    "smoke": Budget(num_samples=1, max_concurrent=2,
                    description="wiring check: 20 train / 20 test images, 1 epoch, 1 seed per arm",
                    overrides=cpu_sized_overrides(20, 20, 10, epochs=1)),
}
SPEC = StudySpec(name="mpis_vs_ide", description=__doc__.split("\n\n")[0], base=BASE,
                 variants=VARIANTS, budgets=BUDGETS, table="mpis_vs_ide")


def main(argv: list[str] | None = None) -> int:
    return run_study_cli(SPEC, argv, prog=Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main())
