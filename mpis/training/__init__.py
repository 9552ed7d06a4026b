"""Single-trial training: ``fit(config, report)`` and what it raises when a trial diverges.

The names are loaded on first use, so that ``python -m mpis.train --help`` (which imports this
package's command-line module) answers without importing torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"fit": "mpis.training.fit", "FitSummary": "mpis.training.fit",
            "TrainingDiverged": "mpis.training.divergence"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # also over a submodule of the same name (mpis.training.fit)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
