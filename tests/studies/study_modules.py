"""Every study file of ``studies/`` (a module with a ``SPEC``), found by listing the folder."""

from __future__ import annotations

import importlib
from pathlib import Path

STUDIES_DIR = Path(__file__).resolve().parents[2] / "studies"


def study_module_names() -> list[str]:
    names = []
    for path in sorted(STUDIES_DIR.glob("*.py")):
        if path.stem != "__init__" and "\nSPEC = " in path.read_text():
            names.append(f"studies.{path.stem}")
    return names


def load_spec(module_name: str):
    return importlib.import_module(module_name).SPEC
