"""What a run shows a person: one line per epoch (``format_progress_line``) and, on a terminal, a
progress bar inside each epoch and test pass (``progress_bar``: tqdm on stderr, samples done, samples
per second and the ETA; switched off when stderr is not a terminal, e.g. in Ray Tune trial logs)."""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from mpis import metric_names as names


def format_progress_line(metrics: dict[str, Any], epochs: int) -> str:
    """e.g. ``epoch 3/100 loss 0.412 train 85.12% test 86.40% (best 86.40%) lr 0.05 | 21.3 s ...``,
    with the test firing rate of every layer after the total (``rate 0.0412 (s0: 0.101 0.052)``).

    Implicit models add the equilibrium's health: the fixed-point residual (mean and max), the
    spectral radius of J, and the backward solver's steps, residual and fallbacks (the fallbacks are
    always printed, also when there were none, so a failing backward cannot go unnoticed).
    """
    line = (
        f"epoch {metrics[names.EPOCH]}/{epochs} loss {metrics[names.TRAIN_LOSS]:.4f} "
        f"train {metrics[names.TRAIN_ACCURACY]:.2f}% test {metrics[names.TEST_ACCURACY]:.2f}% "
        f"(best {metrics[names.BEST_TEST_ACCURACY]:.2f}%) lr {metrics[names.LEARNING_RATE]:.3g} | "
        f"{metrics[names.EPOCH_TIME_S]:.1f} s, {metrics[names.SAMPLES_PER_S]:.0f} samples/s, "
        f"{metrics[names.PEAK_MEMORY_MB]:.0f} MB | rate {metrics[names.FIRING_RATE_TOTAL]:.4f}"
        f"{layer_rates(metrics)}{operations(metrics)} | forward {metrics[names.FORWARD_STEPS]:.1f} steps"
    )
    if math.isnan(metrics[names.FIXED_POINT_RESIDUAL]):  # BPTT: no fixed point is used
        return line
    return line + (
        f", fixed-point residual {metrics[names.FIXED_POINT_RESIDUAL]:.3f} "
        f"(max {metrics[names.FIXED_POINT_RESIDUAL_MAX]:.3f}), rho(J) {metrics[names.SPECTRAL_RADIUS]:.2f} | "
        f"backward {metrics[names.BACKWARD_STEPS]:.1f} steps res {metrics[names.BACKWARD_RESIDUAL]:.1e}, "
        f"{metrics[names.BACKWARD_FALLBACKS]} fallbacks"
    )


def layer_rates(metrics: dict[str, Any]) -> str:
    """`` (s0: 0.101 0.052, s1: ...)``: the test firing rate of every layer, per stream, in order."""
    streams: dict[str, list[str]] = {}
    for key, value in metrics.items():
        if key.startswith(names.FIRING_RATE_LAYER_PREFIX):
            stream = key[len(names.FIRING_RATE_LAYER_PREFIX) - 1:].split("_l")[0]
            streams.setdefault(stream, []).append(f"{value:.3f}")
    return " (" + ", ".join(f"{s}: {' '.join(r)}" for s, r in streams.items()) + ")" if streams else ""


def operations(metrics: dict[str, Any]) -> str:
    """`` | 1.2e+05 AC 9.2e+03 MAC 0.153 uJ (ANN 0.071 uJ)``: per test sample; empty where not counted."""
    energy = metrics.get(names.ENERGY_UJ, math.nan)
    if math.isnan(energy):
        return ""
    return (f" | {metrics[names.SYNAPTIC_OPS]:.3g} AC {metrics[names.MACS]:.3g} MAC {energy:.3g} uJ "
            f"(ANN {metrics[names.ANN_ENERGY_UJ]:.3g} uJ)")


@contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """Yield ``advance(samples)`` for a tqdm bar over ``total`` samples, or None when not ``enabled``."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit="sample", file=sys.stderr, disable=None, leave=False,
              dynamic_ncols=True, mininterval=1.0) as bar:
        yield bar.update
