"""The committed paper tables are what the analysis makes of the archived study folders: a change of
the analysis (or of the archive) that alters a committed table fails here until it is regenerated."""

from pathlib import Path

import pytest

from analysis.tables.__main__ import main

ARCHIVE = Path(__file__).resolve().parents[2] / "paper_results" / "ide_fmnist_f400"


@pytest.mark.parametrize("format_name, suffix", [("markdown", "md"), ("latex", "tex")])
def test_table_c_regenerates_from_the_archived_study(tmp_path, format_name, suffix):
    out = tmp_path / f"table_c.{suffix}"
    assert main([str(ARCHIVE / "study"), "--table", "C", "--format", format_name, "--out", str(out)]) == 0
    assert out.read_text() == (ARCHIVE / f"table_c.{suffix}").read_text()
