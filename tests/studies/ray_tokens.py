"""A Ray auth token file for the tests' own Ray runtimes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def make_token_file(path: Path) -> Path:
    """A fresh random Ray auth token, readable by this user only."""
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return path
