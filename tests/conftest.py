"""Fixtures shared by every test."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models on a 2-core machine: one intra-op thread is much faster (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
