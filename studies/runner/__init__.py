"""The Tune wiring every study shares; a study file is a ``StudySpec`` and ``run_study_cli(SPEC)``.

The names are loaded on first use, so that a trial's worker, which imports only
``studies.runner.trainable``, does not import the driver's side (flags, Optuna, the summary tables).
"""

from __future__ import annotations

import importlib

_EXPORTS = {"run_study_cli": "studies.runner.command_line", "Budget": "studies.runner.spec",
            "StudySpec": "studies.runner.spec"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
