"""Every output format stays one valid document: ``--table all --format csv`` is one CSV for
``pandas.read_csv(comment="#")``, ``--format latex`` a well-formed fragment (compiled when pdflatex
exists); Table E's LaTeX has short headers, a label and no "Table E" in its caption; ``--top``."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest
from latex_check import problems

from analysis.tables import build_available_tables, build_table, to_csv, to_latex
from analysis.tables.paper_table import PaperTable


def run_tables(*arguments) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "analysis.tables", *map(str, arguments)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed


@pytest.fixture(scope="module")
def all_latex(fixture_study) -> str:
    return run_tables(fixture_study, "--table", "all", "--format", "latex").stdout


def test_all_tables_as_csv_are_one_csv(fixture_study):
    text = run_tables(fixture_study, "--table", "all", "--format", "csv").stdout
    frame = pd.read_csv(io.StringIO(text), comment="#")
    report = build_available_tables(fixture_study)
    assert frame.columns[0] == "table"
    assert frame["table"].value_counts().to_dict() == {name: len(t.frame) for name, t in report.tables.items()}
    c_rows = frame[frame["table"] == "C"].reset_index(drop=True)
    expected = report.tables["C"].frame
    pd.testing.assert_series_equal(c_rows["Mean % (ours)"], expected["Mean % (ours)"].astype(float), check_names=False)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "# Table E: best configurations of fixture" in comments
    assert all(f"# Table {name} skipped: " in text for name in report.missing)


def test_a_hash_in_a_cell_is_no_comment():
    table = PaperTable("t", pd.DataFrame({"name": ["run #3", "x"], "value": [1.5, float("nan")]}), ("note # 1",))
    frame = pd.read_csv(io.StringIO(to_csv(table)), comment="#")
    assert frame["name"].tolist() == ["run #3", "x"] and frame["value"].iloc[0] == 1.5


def test_every_latex_table_is_a_well_formed_fragment(all_latex):
    assert problems(all_latex) == []
    captions = [line for line in all_latex.splitlines() if line.startswith("\\caption{")]
    labels = [line for line in all_latex.splitlines() if line.startswith("\\label{tab:")]
    assert len(captions) == len(labels) == all_latex.count("\\begin{table}") >= 6
    assert not any(caption.startswith("\\caption{Table") for caption in captions)
    assert len(set(labels)) == len(labels) and "\\label{tab:E-fixture}" in labels


def test_cell_text_is_escaped():
    table = PaperTable("Table Z: 5% of a_b & c #1", pd.DataFrame({"a_b": ["x & y", "50%", "#2_c", "~^{}"]}))
    text = to_latex(table)
    assert problems(text) == []
    assert "\\caption{5\\% of a\\_b \\& c \\#1}" in text
    assert "x \\& y \\\\" in text and "50\\% \\\\" in text and "\\#2\\_c \\\\" in text


def test_table_e_latex_fits_a_page(fixture_study):
    text = to_latex(build_table(fixture_study, "E"))
    header = text.splitlines()[text.splitlines().index("\\toprule") + 1]
    assert "best acc \\%" in header and " lr " in header and " T " in header and "model." not in header
    assert "\\begin{adjustbox}{max width=\\linewidth}" in text
    assert "Columns: " in text and "lr = train.learning\\_rate" in text  # the full names, in a note
    assert "Table E" not in text.split("\\label")[0]


def test_top_n_rows_of_table_e(fixture_study):
    text = run_tables(fixture_study, "--table", "E", "--top", "3", "--format", "csv").stdout
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert frame["rank"].tolist() == [1, 2, 3]
    assert "shown: the top 3" in text
