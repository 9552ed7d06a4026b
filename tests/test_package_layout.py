"""Package policy: the import direction is studies -> analysis -> mpis (the library never imports the
study or analysis stack; analysis reads study directories without Ray and without studies), and the
library stays in small files."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "mpis"
FORBIDDEN = {"ray", "pandas", "matplotlib", "studies", "analysis"}  # mpis is the bottom layer
ANALYSIS_FORBIDDEN = {"ray", "studies"}  # studies -> analysis -> mpis


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


ANALYSIS_FILES = sorted((REPO / "analysis").rglob("*.py"))


@pytest.mark.parametrize("path", ANALYSIS_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_analysis_imports_neither_ray_nor_studies(path):
    assert not (_imported_roots(path) & ANALYSIS_FORBIDDEN)


def test_analysis_has_files_to_check():
    assert len(ANALYSIS_FILES) > 10


GPU_IMAGE_LACKS = ("tonic", "sklearn", "ray", "optuna", "spikingjelly")  # the GPU machine has torch,
# torchvision and pandas only; the library must build and train any model there from the source tree
WITHOUT_THEM = f"""
import sys
sys.modules.update(dict.fromkeys({GPU_IMAGE_LACKS!r}))  # None: their import raises ModuleNotFoundError
import torch
from mpis.config import ModelConfig, SimulationConfig
from mpis.data.loaders import build_dataloaders
from mpis.models import build_model
from mpis.registries import check_names
from mpis.training.fit import fit
for preset, gradient in (("mpis_fmnist", "implicit"), ("ide_fmnist_f400", "implicit"), ("mpis_cifar10", "implicit"),
                         ("ide_cifar10_cifarnetf", "implicit"), ("cnn_fmnist", "bptt")):
    config = ModelConfig(preset=preset, gradient=gradient, simulation=SimulationConfig(time_steps=2))
    check_names(config)
    model = build_model(config)
    model(torch.rand(2, *model.input_shape)).logits.sum().backward()
print("built")
"""


def test_the_library_builds_and_trains_models_without_the_study_and_event_libraries():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WITHOUT_THEM], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "built", done.stderr[-2000:]
