"""One human-readable progress line per epoch (what ``fit`` prints when nobody else reports)."""

from __future__ import annotations

from typing import Any

from mpis import metric_names as names


def format_progress_line(metrics: dict[str, Any], epochs: int) -> str:
    """e.g. ``epoch 3/100 loss 0.412 train 85.12% test 86.40% (best 86.40%) lr 0.05 | 21.3 s ...``."""
    return (
        f"epoch {metrics[names.EPOCH]}/{epochs} loss {metrics[names.TRAIN_LOSS]:.4f} "
        f"train {metrics[names.TRAIN_ACCURACY]:.2f}% test {metrics[names.TEST_ACCURACY]:.2f}% "
        f"(best {metrics[names.BEST_TEST_ACCURACY]:.2f}%) lr {metrics[names.LEARNING_RATE]:.3g} | "
        f"{metrics[names.EPOCH_TIME_S]:.1f} s, {metrics[names.SAMPLES_PER_S]:.0f} samples/s, "
        f"{metrics[names.PEAK_MEMORY_MB]:.0f} MB | rate {metrics[names.FIRING_RATE_TOTAL]:.4f} | "
        f"forward {metrics[names.FORWARD_STEPS]:.1f} steps res {metrics[names.FORWARD_RESIDUAL]:.2e} | "
        f"backward {metrics[names.BACKWARD_STEPS]:.1f} steps res {metrics[names.BACKWARD_RESIDUAL]:.2e}"
    )
