"""Bad input to the command lines: one clear line naming what is missing, exit status 2, no traceback.

The commands' ``main`` runs in-process (an exception escaping it fails the test, as a traceback
would); one test runs ``python -m`` for real to check the exit status of the process itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from analysis.figures.__main__ import main as figures_main
from analysis.tables.__main__ import main as tables_main

CONFIG = {"model.preset": "ide_fmnist_f400", "model.simulation.time_steps": 5, "train.epochs": 1, "seed": 0}
GOOD_ROW = {"epoch": 1, "test_accuracy": 80.0, "epoch_time_s": 1.0, "peak_memory_mb": 100.0}


MAINS = {"analysis.tables": tables_main, "analysis.figures": figures_main}


@pytest.fixture
def run_module(capsys):
    """``run_module(module, *arguments)``: the command's main in-process -> returncode, stdout, stderr."""

    def run(module: str, *arguments) -> SimpleNamespace:
        code = MAINS[module]([str(a) for a in arguments])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return run


def test_the_process_exits_with_status_2(tmp_path):
    for module in MAINS:
        completed = subprocess.run([sys.executable, "-m", module, str(tmp_path / "nope"), "--out", str(tmp_path)],
                                   capture_output=True, text=True, timeout=60)
        assert completed.returncode == 2 and "Traceback" not in completed.stderr
        assert completed.stderr.strip() == f"error: study directory {tmp_path / 'nope'} does not exist"


def assert_clean_exit_2(completed: SimpleNamespace, *needles: str) -> None:
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""
    message = completed.stderr.strip()
    assert message.count("\n") == 0 and message.startswith("error: ")
    for needle in needles:
        assert needle in message


@pytest.mark.parametrize("module, extra", [("analysis.tables", ["--table", "A"]),
                                           ("analysis.figures", ["--out", "figures"])])
def test_a_missing_path_and_a_file(run_module, tmp_path, module, extra):
    assert_clean_exit_2(run_module(module, tmp_path / "nope", *extra), "does not exist")
    a_file = tmp_path / "results.txt"
    a_file.write_text("x")
    assert_clean_exit_2(run_module(module, a_file, *extra), "is not a study directory")


def test_a_folder_that_is_not_a_study_points_to_the_study_inside(run_module, tmp_path):
    (tmp_path / "my_sweep").mkdir()
    (tmp_path / "my_sweep" / "mpis_study.json").write_text("{}")
    assert_clean_exit_2(run_module("analysis.tables", tmp_path), "is not a study directory",
                        "studies inside it: my_sweep")


def test_an_empty_study(run_module, tmp_path):
    (tmp_path / "mpis_study.json").write_text(json.dumps({"study": "empty"}))
    assert_clean_exit_2(run_module("analysis.tables", tmp_path, "--table", "E"), "is empty", "no trial folders")
    assert_clean_exit_2(run_module("analysis.figures", tmp_path, "--out", tmp_path / "f"), "is empty")


def test_a_study_whose_trials_all_failed(run_module, make_study, tmp_path):
    study = make_study([("t0", CONFIG, [], "RuntimeError: CUDA out of memory"),
                        ("t1", CONFIG, [GOOD_ROW, {"status": "diverged", "diverged_what": "loss"}], None)])
    assert_clean_exit_2(run_module("analysis.tables", study, "--table", "C"),
                        "all 2 trials", "1 error", "1 diverged", "CUDA out of memory")
    assert_clean_exit_2(run_module("analysis.figures", study, "--out", tmp_path / "f"), "all 2 trials")


def test_a_table_whose_data_is_missing(run_module, make_study):
    study = make_study([("t0", CONFIG, [GOOD_ROW], None)])
    assert_clean_exit_2(run_module("analysis.tables", study, "--table", "A"), "table A has no data",
                        "mpis_fmnist (implicit)", "this study has ide_fmnist_f400 (implicit)")
    assert_clean_exit_2(run_module("analysis.tables", study, "--table", "D"), "table D has no data")


def test_a_corrupt_study_manifest(run_module, make_study):
    study = make_study([("t0", CONFIG, [GOOD_ROW], None)])
    (study / "mpis_study.json").write_text("{not json")
    assert_clean_exit_2(run_module("analysis.tables", study, "--table", "C"), "mpis_study.json is not valid JSON")
