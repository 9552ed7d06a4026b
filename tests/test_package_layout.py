"""Package policy: the library never imports the study or analysis stack, and stays in small files."""

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[1] / "mpis"
FORBIDDEN = {"ray", "pandas", "matplotlib"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


LIBRARY_FILES = sorted(LIBRARY.rglob("*.py"))


def test_the_library_has_files_to_check():
    assert len(LIBRARY_FILES) > 10


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_library_never_imports_ray_pandas_or_matplotlib(path):
    assert not (_imported_roots(path) & FORBIDDEN)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_library_files_stay_small(path):
    assert len(path.read_text().splitlines()) <= 250
