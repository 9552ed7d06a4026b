"""Join the Ray cluster a study runs on, or start a local one, and check what it can offer.

* ``--address`` given: the address is probed with a plain TCP connection first, and ``ray.init`` is
  watched by a timer, because ``ray.init`` on an unreachable or wrong address retries for minutes.
  Either failure is one clear line and exit code 2 within ``CONNECT_DEADLINE_S`` seconds.
* no ``--address``: a local Ray starts here with its dashboard on ``--dashboard-host``
  (127.0.0.1 by default) and token authentication on (Ray >= 2.59 default; never turned off). The
  token file is made before Ray starts, readable by this user only (mode 0600; Ray itself would
  write it with the default umask); an existing one that others can read is made private (0600),
  and the study says so.
* ``RAY_AUTH_MODE=disabled`` (token authentication off) is refused before anything starts.
* a Ray already initialised in this process (tests, notebooks) is used as it is.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import ray

from mpis.cli import EXIT_BAD_INPUT
from studies.runner.options import StudyOptions
from studies.runner.study_input_error import StudyInputError

PROBE_TIMEOUT_S = 5.0
CONNECT_DEADLINE_S = 15.0
LOCAL_OBJECT_STORE_BYTES = 512 * 2**20  # trials load their own data; the store holds little


@dataclass(frozen=True)
class RayConnection:
    dashboard_url: str | None  # "http://127.0.0.1:8265", or None when no dashboard runs
    started_here: bool  # True: this process started the local Ray and shuts it down


AUTH_MODE_VARIABLE = "RAY_AUTH_MODE"
TOKEN_PATH_VARIABLE = "RAY_AUTH_TOKEN_PATH"


def check_authentication_mode() -> None:
    """Refuse to run with Ray's token authentication switched off."""
    mode = os.environ.get(AUTH_MODE_VARIABLE, "")
    if mode.lower() == "disabled":
        raise StudyInputError(f"{AUTH_MODE_VARIABLE}=disabled is invalid; allowed: token (the default): without "
                              "it anyone who reaches the cluster's ports can run code on it; unset the variable")


def token_path() -> Path:
    """Where Ray reads its token: ``$RAY_AUTH_TOKEN_PATH``, else ``~/.ray/auth_token``."""
    return Path(os.environ.get(TOKEN_PATH_VARIABLE) or Path.home() / ".ray" / "auth_token").expanduser()


def ensure_private_token() -> Path:
    """Create the token file (mode 0600) if there is none; make an existing one private."""
    path = token_path()
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(0o600)
            print(f"Note: {path} was readable by other users (mode {mode:o}); it is now mode 600", flush=True)
        return path
    from ray._private.authentication.authentication_token_generator import (
        generate_new_authentication_token,
    )

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(generate_new_authentication_token())
    return path


def check_local_gpus(options: StudyOptions) -> None:
    """A local study that asks for GPUs on a machine without one fails before Ray starts."""
    if options.gpus_per_trial > 0:
        import torch

        if torch.cuda.device_count() == 0:
            raise StudyInputError(f"--gpus-per-trial={options.gpus_per_trial:g} is invalid; allowed: 0 "
                                  "(this machine has no GPU)")


def connect(options: StudyOptions) -> RayConnection:
    if ray.is_initialized():
        return RayConnection(_dashboard_url(), started_here=False)
    if options.address is None:
        ensure_private_token()
        ray.init(include_dashboard=True, dashboard_host=options.dashboard_host,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES)
        return RayConnection(_dashboard_url(), started_here=True)
    probe_address(options.address)
    watchdog = threading.Timer(CONNECT_DEADLINE_S, _give_up_connecting, args=(options.address,))
    watchdog.daemon = True
    watchdog.start()
    try:
        ray.init(address=options.address, logging_level=logging.WARNING)  # no "Connecting to ..." lines
    except Exception as error:  # ConnectionError, AuthenticationError, RuntimeError, ...
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StudyInputError(f"--address={options.address}: cannot join the Ray cluster ({reason}); "
                              "with token authentication set RAY_AUTH_MODE=token and the cluster's "
                              "token (ray get-auth-token on the head)") from None
    finally:
        watchdog.cancel()
    return RayConnection(_dashboard_url(), started_here=False)


def probe_address(address: str) -> None:
    """Raise :class:`StudyInputError` unless a TCP connection to ``address`` opens quickly."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StudyInputError(f"--address={address} is unreachable ({reason}); start the head there "
                              "with `ray start --head --port=PORT` or fix the address") from None


def _give_up_connecting(address: str) -> None:
    print(f"error: --address={address} did not answer as a Ray cluster within {CONNECT_DEADLINE_S:.0f} s "
          "(is it the head's GCS port, 6379 by default?)", file=sys.stderr, flush=True)
    os._exit(EXIT_BAD_INPUT)  # ray.init is still retrying in native threads; nothing else has started


def _dashboard_url() -> str | None:
    from ray._private.worker import get_dashboard_url  # no public accessor in Ray 2.60

    url = get_dashboard_url()
    if not url:
        return None
    return url if "://" in url else f"http://{url}"


def check_resources(options: StudyOptions) -> None:
    """Raise :class:`StudyInputError` when no live node can hold one trial's CPUs and GPUs."""
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    gpus = sum(node.get("GPU", 0.0) for node in nodes)
    if options.gpus_per_trial > 0 and gpus == 0:
        raise StudyInputError(f"--gpus-per-trial={options.gpus_per_trial:g} is invalid; allowed: 0 "
                              "(the Ray cluster has no GPUs)")
    if not any(node.get("CPU", 0.0) >= options.cpus_per_trial and node.get("GPU", 0.0) >= options.gpus_per_trial
               for node in nodes):
        largest = max(nodes, key=lambda node: (node.get("GPU", 0.0), node.get("CPU", 0.0)), default={})
        raise StudyInputError(
            f"--cpus-per-trial={options.cpus_per_trial:g} --gpus-per-trial={options.gpus_per_trial:g} "
            f"is invalid; allowed: what one node offers (the largest has {largest.get('CPU', 0.0):g} "
            f"CPUs and {largest.get('GPU', 0.0):g} GPUs)")
