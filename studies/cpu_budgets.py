"""Budget fragments for CPU-sized runs of studies whose paper budget needs GPUs.

``overrides`` shrink the data and the schedule; ``space`` narrows a sweep to cheap models. The
``paper`` budgets use neither: full data, the papers' schedules and the full search space.
"""

from __future__ import annotations

from typing import Any

from ray import tune


def cpu_sized_overrides(limit_train: int, limit_test: int, batch_size: int, epochs: int) -> dict[str, Any]:
    """Class-balanced subsets, ``epochs`` epochs, no lr milestones and no warm-up."""
    return {"data": {"limit_train": limit_train, "limit_test": limit_test, "batch_size": batch_size,
                     "test_batch_size": max(batch_size, limit_test)},
            "train": {"epochs": epochs, "milestones": [], "warmup_iterations": 0}}


def cpu_sized_space(max_streams: int, max_depth: int, max_iter: int, time_steps: int) -> dict[str, Any]:
    """At most ``max_streams`` x ``max_depth`` MPIS layers, T in {t, 2t}, 5..max_iter solver steps."""
    return {"model": {"streams": tune.randint(1, max_streams + 1), "depth": tune.randint(2, max_depth + 1),
                      "simulation": {"time_steps": tune.qrandint(time_steps, 2 * time_steps, time_steps)},
                      "backward": {"max_iter": tune.randint(5, max_iter + 1)}}}
