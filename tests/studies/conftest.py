"""One real local Ray runtime for the study tests (session-scoped, started only when a study test
needs it), isolated from the machine's own Ray: its own temp dir, token file and auth mode.

Token authentication stays on (``RAY_AUTH_MODE=token``, a 0600 token file); the dashboard runs on
127.0.0.1. Ray workers of this session get ``fake_cifar.accept_fake_cifar`` as their setup hook, so
the CIFAR studies can be tested on a tiny CIFAR-10 in the real pickle layout (see fake_cifar.py).
Ray is never stopped with ``ray stop``: the runtime is shut down by this process only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from ray_tokens import make_token_file

collect_ignore = ["conftest.py"]  # a fixture file, not a module of doctests (--doctest-modules)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = (REPO_ROOT.parent / "shared" / "data").resolve()


@dataclass(frozen=True)
class RayRuntime:
    address: str  # GCS address for other drivers (--address)
    environment: dict[str, str]  # environment of a child process that joins this runtime
    root: Path  # the session's temp root (short: Unix socket paths are limited to 107 bytes)


def ray_environment(root: Path) -> dict[str, str]:
    """Variables that isolate a Ray process under ``root`` and keep token auth on."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(root / "auth_token"),
            "RAY_TMPDIR": str(root / "tmp"), "RAY_USAGE_STATS_ENABLED": "0"}


def reload_ray_settings() -> None:
    """Make this process see changed RAY_AUTH_* variables: Ray reads them once, at import (other
    test modules have imported it already); ``ray.init`` itself refreshes them the same way."""
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


@pytest.fixture(scope="session")
def ray_runtime():
    import ray

    root = Path(tempfile.mkdtemp(prefix="mpst", dir="/tmp"))
    make_token_file(root / "auth_token")
    variables = ray_environment(root)
    saved = {name: os.environ.get(name) for name in (*variables, "RAY_ADDRESS")}
    os.environ.update(variables)
    os.environ.pop("RAY_ADDRESS", None)
    try:
        reload_ray_settings()
        ray.init(num_cpus=2, object_store_memory=300 * 2**20, include_dashboard=True,
                 dashboard_host="127.0.0.1", _temp_dir=str(root / "r"), log_to_driver=False,
                 runtime_env={"worker_process_setup_hook": "tests.studies.fake_cifar.accept_fake_cifar"})
        child_environment = {**os.environ, **variables}
        child_environment.pop("RAY_ADDRESS", None)
        yield RayRuntime(address=ray.get_runtime_context().gcs_address, environment=child_environment,
                         root=root)
    finally:
        ray.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reload_ray_settings()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def shared_data() -> Path:
    """The real datasets (read-only): MNIST, Fashion-MNIST, an N-MNIST subset."""
    assert (SHARED_DATA / "README.md").is_file(), f"the shared data is missing at {SHARED_DATA}"
    return SHARED_DATA
