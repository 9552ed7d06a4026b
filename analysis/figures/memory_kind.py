"""What a memory axis shows, from the trials' ``memory_kind`` metric (``mpis/training/device.py``):
on CUDA ``torch.cuda.max_memory_allocated`` (tensors only, since the epoch's start), on CPU the
trial process's peak resident set size, which includes the Python and PyTorch runtime: since the
epoch's start (``cpu_epoch_peak_rss``) or, where it cannot be reset, since the process started."""

from __future__ import annotations

import pandas as pd

from mpis import metric_names as m

KIND_WORDS = {"cuda_max_allocated": "CUDA peak allocated, tensors only",
              "cpu_epoch_peak_rss": "CPU peak RSS of the trial process in the epoch, incl. the Python/PyTorch runtime",
              "cpu_peak_rss": "CPU peak RSS of the trial process, incl. the Python/PyTorch runtime"}


def memory_measured(trials: pd.DataFrame) -> str:
    """E.g. "measured: CPU peak RSS of the trial process, incl. the Python/PyTorch runtime"."""
    kinds = sorted({str(k) for k in trials[m.MEMORY_KIND].dropna()}) if m.MEMORY_KIND in trials else []
    words = "; ".join(KIND_WORDS.get(kind, kind) for kind in kinds) or "kind not recorded (no memory_kind)"
    return f"measured: {'mixed: ' if len(kinds) > 1 else ''}{words}"
