"""Make sure a dataset is on disk: use a local copy, else download it once under a file lock.

Concurrent trials on one machine share the data root; the lock (``<root>/.mpis-<name>.lock``) lets
one of them download while the others wait, then find the files present. A read-only root that
already holds the data is never locked or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from filelock import FileLock

from mpis.data.dataset_missing import DatasetMissing


def ensure_present(dataset: str, root: Path, folder: Path, expected: str,
                   is_present: Callable[[], bool], download: Callable[[], None], *, allowed: bool = True) -> None:
    """Return once ``is_present()``; otherwise download under a lock (when ``allowed``) or raise
    :class:`DatasetMissing`.

    ``folder`` and ``expected`` only word the error: the folder searched and the files it should hold.
    """
    if is_present():
        return
    if not allowed:
        raise DatasetMissing(dataset, folder, expected, "not on disk, and downloading is off (download=False)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(root / f".mpis-{dataset}.lock")):
            if not is_present():
                download()
    except Exception as error:  # no network, no write permission, a bad archive: all mean "missing"
        raise DatasetMissing(dataset, folder, expected, f"download failed: {type(error).__name__}: {error}") from error
    if not is_present():
        raise DatasetMissing(dataset, folder, expected, "the download did not produce these files")
