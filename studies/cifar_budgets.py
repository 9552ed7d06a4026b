"""The budgets of the CIFAR-10 and CIFAR-100 sweeps (the same apart from the dataset's name)."""

from __future__ import annotations

from studies.cpu_budgets import cpu_sized_overrides, cpu_sized_space
from studies.runner import Budget


def cifar_sweep_budgets(dataset: str) -> dict[str, Budget]:
    """quick (default, CPU), paper (GPU cluster) and smoke (wiring check) budgets for ``dataset``."""
    return {
        "quick": Budget(num_samples=6, max_concurrent=2, grace_period=1, reduction_factor=2,
                        description=f"CPU-sized (about 15-20 min on 2 cores): 200 train / 100 test "
                                    f"{dataset} images, 2 epochs, T 5-10, up to 2 streams x 3 layers, 6 trials",
                        overrides=cpu_sized_overrides(200, 100, 50, epochs=2),
                        space=cpu_sized_space(max_streams=2, max_depth=3, max_iter=10, time_steps=5)),
        "paper": Budget(num_samples=64, max_concurrent=8, grace_period=10, reduction_factor=3,
                        description=f"full {dataset}, 100 epochs (IDE's CIFAR schedule), 64 trials, "
                                    "the full search space"),
        "smoke": Budget(num_samples=2, max_concurrent=2, grace_period=1, reduction_factor=2,
                        description="wiring check: 24 train / 20 test images, 1 epoch, T 2-4, 2 trials",
                        overrides=cpu_sized_overrides(24, 20, 12, epochs=1),
                        space=cpu_sized_space(max_streams=2, max_depth=3, max_iter=6, time_steps=2)),
    }
