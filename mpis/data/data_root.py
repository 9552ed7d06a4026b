"""Where datasets live: ``data_dir``, else ``$MPIS_DATA_DIR``, else ``./data``, always absolute.

Ray Tune runs each trial in its own working directory, so a relative root is resolved once, against
the directory the command was started in, before anything else happens.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "MPIS_DATA_DIR"


def resolve_data_root(data_dir: str | None) -> Path:
    """The absolute data root for ``data_dir`` (``None``: the environment, then ``./data``)."""
    chosen = data_dir or os.environ.get(DATA_DIR_VARIABLE) or "data"
    return Path(chosen).expanduser().resolve()
