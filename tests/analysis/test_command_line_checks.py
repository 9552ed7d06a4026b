"""Bad arguments to ``python -m analysis.figures`` and ``python -m analysis.tables``: one ``error:``
line, exit status 2, and nothing done before the refusal (no figure or table built, no folder made)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import analysis.figures.__main__ as figures_cli
import analysis.tables.__main__ as tables_cli
from analysis.command_line import require_output_file, require_output_folder
from analysis.study_error import StudyError

CONFIG = {"model.preset": "ide_digits_f64c5", "model.simulation.time_steps": 5, "train.epochs": 1, "seed": 0}
ROW = {"epoch": 1, "test_accuracy": 80.0, "epoch_time_s": 1.0, "peak_memory_mb": 100.0}


@pytest.fixture
def study(make_study):
    return make_study([("t0", CONFIG, [ROW], None)])


@pytest.fixture
def no_work(monkeypatch):
    """Any figure or table the commands would build fails the test."""

    def forbidden(*arguments, **keywords):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(figures_cli, "write_all_figures", forbidden)
    monkeypatch.setattr(tables_cli, "render_tables", forbidden)


def refused(main, arguments, capsys) -> str:
    """Run ``main`` in-process; assert a clean exit 2 and return the one error line."""
    code = main([str(a) for a in arguments])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.out == "" and "Traceback" not in captured.err
    message = captured.err.strip()
    assert message.startswith("error: ") and "\n" not in message
    return message


@pytest.mark.parametrize("flags, needle", [
    (["--convergence-steps", "-5"], "argument --convergence-steps: '-5' is invalid; allowed: an integer >= 1"),
    (["--convergence-steps", "0"], "argument --convergence-steps: '0' is invalid"),
    (["--convergence-batch", "0"], "argument --convergence-batch: '0' is invalid"),
    (["--convergence-presets", "no_such_preset"], "unknown preset(s) no_such_preset"),
    (["--convergence-untrained", "--convergence-checkpoints", "."],
     "--convergence-untrained is invalid with --convergence-checkpoints; allowed: one of them"),
])
def test_figures_refuse_bad_numbers_and_models(study, tmp_path, capsys, no_work, flags, needle):
    out = tmp_path / "figures"
    assert needle in refused(figures_cli.main, [study, "--out", out, *flags], capsys)
    assert not out.exists()


def test_figures_refuse_a_checkpoint_folder_without_a_checkpoint(study, tmp_path, capsys, no_work):
    message = refused(figures_cli.main, [study, "--out", tmp_path / "f", "--convergence-checkpoints", tmp_path],
                      capsys)
    assert f"--convergence-checkpoints={tmp_path} is invalid" in message and "holds no checkpoint.pt" in message


def test_figures_refuse_an_out_that_is_a_file_or_under_one(study, tmp_path, capsys, no_work):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert refused(figures_cli.main, [study, "--out", a_file], capsys) == \
        f"error: --out={a_file} is invalid; allowed: a folder this user can write (it is a file)"
    assert refused(figures_cli.main, [study, "--out", a_file / "f"], capsys) == \
        f"error: --out={a_file / 'f'} is invalid; allowed: a folder this user can write ({a_file} is a file)"


def test_figures_refuse_a_missing_study_before_anything(tmp_path, capsys, no_work):
    out = tmp_path / "figures"
    assert refused(figures_cli.main, [tmp_path / "nope", "--out", out], capsys) == \
        f"error: study directory {tmp_path / 'nope'} does not exist"
    assert not out.exists()


@pytest.mark.parametrize("flags, needle", [
    (["--top", "0"], "argument --top: '0' is invalid; allowed: an integer >= 1"),
    (["--table", "A", "--top", "3"], "--top=3 is invalid with --table A; allowed: --table E (best configurations)"),
    (["--table", "Z"], "argument --table: invalid choice: 'Z'"),
])
def test_tables_refuse_bad_options(study, capsys, no_work, flags, needle):
    assert needle in refused(tables_cli.main, [study, *flags], capsys)


def test_tables_refuse_an_out_that_is_a_folder_or_under_a_file(study, tmp_path, capsys, no_work):
    assert refused(tables_cli.main, [study, "--out", tmp_path], capsys) == \
        f"error: --out={tmp_path} is invalid; allowed: a file path this user can write (it is a folder)"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert f"({a_file} is a file)" in refused(tables_cli.main, [study, "--out", a_file / "t.tex"], capsys)
    assert refused(tables_cli.main, [tmp_path / "nope", "--out", tmp_path / "t.md"], capsys) == \
        f"error: study directory {tmp_path / 'nope'} does not exist"


def test_an_unwritable_out_is_refused(tmp_path, monkeypatch):
    """os.access stands in for permissions (these tests may run as root, who may write anywhere)."""
    monkeypatch.setattr("analysis.command_line.os.access", lambda path, mode: False)
    new = tmp_path / "new" / "t.md"
    with pytest.raises(StudyError, match=f"--out={new} is invalid; .* \\({tmp_path} is not writable\\)"):
        require_output_file(new)
    existing = tmp_path / "t.md"
    existing.write_text("")
    with pytest.raises(StudyError, match=r"\(it is not writable\)"):
        require_output_file(existing)
    with pytest.raises(StudyError, match=f"--out={tmp_path} is invalid; .* \\(it is not writable\\)"):
        require_output_folder(tmp_path)


def test_the_commands_exit_2_with_one_line_as_processes(study, tmp_path):
    for module, flags in (("analysis.figures", ["--out", str(tmp_path / "f"), "--convergence-steps", "-5"]),
                          ("analysis.tables", ["--top", "0"])):
        completed = subprocess.run([sys.executable, "-m", module, str(study), *flags],
                                   capture_output=True, text=True, timeout=120)
        assert completed.returncode == 2 and completed.stdout == ""
        assert completed.stderr.count("\n") == 1 and completed.stderr.startswith("error: argument ")


def test_figures_refuse_more_steps_than_mpis_simulates(study, tmp_path, capsys, no_work):
    limit = getattr(__import__("mpis.config", fromlist=["MAX_TIME_STEPS"]), "MAX_TIME_STEPS", None)
    if limit is None:
        pytest.skip("this mpis sets no upper limit on time_steps")
    message = refused(figures_cli.main, [study, "--out", tmp_path / "f", "--convergence-steps", limit + 1], capsys)
    assert message.startswith(f"error: --convergence-steps={limit + 1} is invalid; allowed: an integer in 1..{limit}")
