"""Where datasets live: ``data_dir``, else ``$MPIS_DATA_DIR``, else ``./data``, always absolute.

Ray Tune runs each trial in its own working directory, so a relative root must not be resolved
against it: resolve it in the driver (``python -m mpis.train`` does; studies should call
:func:`resolve_data_root` before handing a config to Ray). Inside a Tune trial a relative root that
slipped through is resolved against ``$TUNE_ORIG_WORKING_DIR``, the directory Ray started in.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "MPIS_DATA_DIR"
TUNE_START_DIR_VARIABLE = "TUNE_ORIG_WORKING_DIR"  # set by Ray Tune before it changes directory


def resolve_data_root(data_dir: str | None) -> Path:
    """The absolute data root for ``data_dir`` (``None``: the environment, then ``./data``)."""
    chosen = Path(data_dir or os.environ.get(DATA_DIR_VARIABLE) or "data").expanduser()
    if not chosen.is_absolute():
        chosen = Path(os.environ.get(TUNE_START_DIR_VARIABLE) or os.getcwd()) / chosen
    return chosen.resolve()
