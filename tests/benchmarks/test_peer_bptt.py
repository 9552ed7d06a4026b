"""benchmarks.peer_bptt at tiny T and batch: ours and SpikingJelly's CNN agree on the same weights,
and every row of the report is printed."""

import pytest

pytest.importorskip("spikingjelly")

from benchmarks.peer_bptt import ROWS, main  # noqa: E402 (after the skip)


def test_peer_benchmark_agrees_with_spikingjelly_and_prints_every_row(tmp_path, capsys):
    result = main(["--steps", "2", "3", "--batch", "4", "--repeats", "1", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "uniform noise" in out  # no data under tmp_path
    for t in (2, 3):
        agreement = result["agreement"][t]
        assert agreement["train"] <= 1e-5 and agreement["eval"] <= 1e-5
        assert agreement["grad"] <= 1e-4
    by = {(r["model"], r["T"]): r for r in result["rows"]}
    assert set(by) == {(m, t) for m in ROWS for t in (2, 3)}
    for (model, t), row in by.items():
        assert row["step_s"] > 0 and row["saved_mb"] > 0
        assert any(line.split()[:2] == [model, str(t)] for line in out.splitlines())
    assert by[("ours", 3)]["saved_mb"] > by[("ours", 2)]["saved_mb"]  # BPTT saves every step
    assert by[("MPIS", 3)]["saved_mb"] == pytest.approx(by[("MPIS", 2)]["saved_mb"], rel=0.01)
    assert "ours/SJ" in out and "goal:" in out
