"""The one error for data that is neither on disk nor downloadable."""

from __future__ import annotations

from pathlib import Path


class DatasetMissing(RuntimeError):
    """``str(error)`` is one line naming the dataset, the folder searched and the files expected."""

    def __init__(self, dataset: str, folder: Path, expected: str, reason: str = ""):
        self.dataset, self.folder, self.expected, self.reason = dataset, Path(folder), expected, reason
        why = f" ({' '.join(reason.split())})" if reason else ""  # one line, whatever the reason says
        super().__init__(f"dataset {dataset!r} not found in {self.folder}: expected {expected}; "
                         f"set --data-dir or MPIS_DATA_DIR to a folder that holds it{why}")

    def __reduce__(self):  # picklable across processes (Ray workers, DataLoader workers)
        return type(self), (self.dataset, self.folder, self.expected, self.reason)
