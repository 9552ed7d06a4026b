"""``python -m analysis.tables``: prints one table in markdown, LaTeX or CSV with the same numbers."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from analysis.tables import build_table, to_latex, to_markdown
from analysis.tables.export import escape_latex, format_cell, format_count
from analysis.tables.paper_table import PaperTable


def run_tables(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis.tables", *map(str, arguments)],
                          capture_output=True, text=True, timeout=60)


def test_csv_output_holds_the_table_numbers(fixture_study):
    completed = run_tables(fixture_study, "--table", "C", "--format", "csv")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("# Table C (IDE paper)")  # title and notes: comment lines
    printed = pd.read_csv(io.StringIO(completed.stdout), comment="#")
    frame = build_table(fixture_study, "C").frame
    assert list(printed.columns) == list(frame.columns)
    pd.testing.assert_series_equal(printed["Mean % (ours)"], frame["Mean % (ours)"].astype(float), check_names=False)


def test_markdown_output_shows_title_paper_ours_difference_and_hardware(fixture_study):
    completed = run_tables(fixture_study, "--table", "A", "--format", "markdown")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("**Table A")
    header = lines[2]
    assert all(f"| {name} " in header for name in ("Acc % (paper)", "Acc % (ours)", "Δ Acc %", "Memory GB (paper)"))
    assert "| F-MNIST | MPIS | 30 |" in completed.stdout and "| 93.14 |" in completed.stdout
    assert "Ours ran on: 2-core CPU test machine (fixture)" in completed.stdout


def test_latex_output_is_a_booktabs_table_with_escaped_text(fixture_study, tmp_path):
    out = tmp_path / "table_c.tex"
    completed = run_tables(fixture_study, "--table", "C", "--format", "latex", "--out", out)
    assert completed.returncode == 0 and completed.stdout == ""
    text = out.read_text()
    assert text.startswith("% needs \\usepackage{booktabs,adjustbox}")  # a comment line, then the float
    assert text.splitlines()[1] == "\\begin{table}[t]" and "\\toprule" in text
    assert text.rstrip().endswith("\\end{table}")
    assert "LIF $\\lambda$ = 0.95" in text and "Mean \\% (paper)" in text


def test_without_table_the_study_default_and_all_tables(fixture_study):
    completed = run_tables(fixture_study, "--table", "all")
    assert completed.returncode == 0
    assert all(f"**Table {name}" in completed.stdout for name in "ABCDEF")


def test_formatting_helpers():
    assert format_count(229643) == "229.6K" and format_count(3.7e6) == "3.7M" and format_count(950) == "950"
    assert format_cell(float("nan"), None) == "—" and format_cell(3, None) == "3"
    assert format_cell(0.000123, ".3g") == "0.000123" and format_cell("IF", ".2f") == "IF"
    assert escape_latex("a_b & 5% ± λ") == "a\\_b \\& 5\\% $\\pm$ $\\lambda$"


def test_markdown_and_latex_escape_cell_separators():
    table = PaperTable("t", pd.DataFrame({"a|b": ["x|y"], "n": [1.5]}))
    assert "| x\\|y | 1.50 |" in to_markdown(table)
    assert "x\\textbar{}y & 1.50 \\\\" in to_latex(table)


@pytest.mark.parametrize("bad", [["--table", "Z"], ["--format", "html"]])
def test_bad_arguments_exit_2(fixture_study, bad):
    completed = run_tables(fixture_study, *bad)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
