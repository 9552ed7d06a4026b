"""Fixtures shared by every test."""

import pytest
import torch

collect_ignore = ["conftest.py"]  # a fixture file, not a module of doctests (--doctest-modules)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models on a 2-core machine: one intra-op thread is much faster (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def working_directory_outside_the_repository(tmp_path_factory):
    """Run every test from a fresh directory, so that a default relative path (``./results`` of the
    studies, ``./data``) can never read or write the repository's own folders."""
    import os

    previous = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(previous)
