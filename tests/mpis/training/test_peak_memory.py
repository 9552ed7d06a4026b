"""Peak memory is the epoch's own: reset at its start, also on CPU (the kernel's VmHWM), so a process
that runs several trials in turn (a reused Ray Tune worker) reports each trial's peak, not the largest."""

from __future__ import annotations

import pytest
import torch

from mpis.training.device import peak_memory_mb, release_free_memory, reset_peak_memory

CPU = torch.device("cpu")


def touched_block(megabytes: int) -> torch.Tensor:
    return torch.ones(megabytes * 2**20 // 4)  # float32, every page written


def test_a_cpu_peak_before_the_reset_is_not_counted_and_one_after_it_is():
    block = touched_block(300)
    del block
    release_free_memory()
    with_block, _ = peak_memory_mb(CPU)  # the high-water mark still holds the freed block
    if not reset_peak_memory(CPU):
        pytest.skip("this system cannot reset the peak RSS (/proc/self/clear_refs)")
    before, kind = peak_memory_mb(CPU)
    assert kind == "cpu_epoch_peak_rss" and before < with_block - 250  # the 300 MB are forgotten
    block = touched_block(200)
    after, _ = peak_memory_mb(CPU)
    assert after > before + 150
    del block


def test_without_a_reset_the_cpu_peak_is_the_process_peak_and_says_so():
    assert peak_memory_mb(CPU, since_reset=False)[1] == "cpu_peak_rss"
