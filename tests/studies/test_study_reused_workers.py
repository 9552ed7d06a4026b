"""Reused trial workers (``reuse_actors``) leak nothing from one trial into the next.

One study runs four trials (a large BPTT arm and a small MPIS arm, two seeds each) one at a time,
so a single worker runs them all; the same study with a fresh worker per trial must give the same
numbers, bit for bit (seeds, threads, model and data state are the trial's own). And each trial's
peak memory is its own: a small trial run after a large one in the same process reports a much
lower peak (``ru_maxrss`` would report the large trial's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import studies.runner.search_setup as search_setup
from mpis import metric_names as m
from mpis.config import DataConfig, ExperimentConfig, ModelConfig, SimulationConfig, TrainConfig
from studies.runner import Budget, StudySpec, run_study_cli
from studies.runner.trial_records import read_attempts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BASE = ExperimentConfig(
    model=ModelConfig(preset="mpis_digits", simulation=SimulationConfig(time_steps=5)),
    data=DataConfig(dataset="digits", batch_size=64, test_batch_size=400, limit_train=192, limit_test=100),
    train=TrainConfig(epochs=1, learning_rate=0.05, milestones=()))
ARMS = {"large": {"model": {"preset": "ide_digits_f64c5", "gradient": "bptt", "simulation": {"time_steps": 60}},
                  "data": {"batch_size": 384, "limit_train": 384}},  # about 400 MB more at its peak
        "small": {}}
SPEC = StudySpec(name="reuse", description="test study", base=BASE, variants=ARMS,
                 budgets={"test": Budget(num_samples=2, max_concurrent=1)})
SAME_IN_EVERY_WORKER = (m.TRAIN_LOSS, m.TRAIN_ACCURACY, m.TEST_LOSS, m.TEST_ACCURACY, m.GRADIENT_NORM,
                        m.FIRING_RATE_TOTAL, m.SYNAPTIC_OPS)


def run(tmp_path: Path, name: str) -> dict[tuple[str, int], dict]:
    """(arm, seed) -> {"pid", "started", "rows"} of every trial of a fresh study ``name``."""
    assert run_study_cli(SPEC, ["--storage-path", str(tmp_path), "--name", name], prog="t") == 0
    trials = {}
    for folder in (tmp_path / name).iterdir():
        if (folder / "result.json").is_file():
            params = json.loads((folder / "params.json").read_text())
            rows = [json.loads(line) for line in (folder / "result.json").read_text().splitlines() if line.strip()]
            attempt = read_attempts(folder)[0]
            trials[params["variant"], params["seed"]] = {"pid": attempt["pid"], "started": attempt["started"],
                                                         "rows": rows}
    assert len(trials) == 4
    return trials


def test_a_reused_worker_gives_every_trial_the_numbers_and_the_peak_memory_of_a_fresh_one(
        ray_runtime, tmp_path, monkeypatch):
    reused = run(tmp_path, "reused")
    monkeypatch.setattr(search_setup, "REUSE_ACTORS", False)
    fresh = run(tmp_path, "fresh")
    assert len({trial["pid"] for trial in reused.values()}) == 1  # one worker ran every trial
    assert len({trial["pid"] for trial in fresh.values()}) == 4
    for key, trial in reused.items():
        for row, fresh_row in zip(trial["rows"], fresh[key]["rows"], strict=True):
            assert {name: row[name] for name in SAME_IN_EVERY_WORKER} == \
                   {name: fresh_row[name] for name in SAME_IN_EVERY_WORKER}, key
            assert row[m.MEMORY_KIND] == "cpu_epoch_peak_rss"
    order = sorted(reused, key=lambda key: reused[key]["started"])
    peak = {key: reused[key]["rows"][-1][m.PEAK_MEMORY_MB] for key in order}
    after_large = [key for position, key in enumerate(order)
                   if key[0] == "small" and any(earlier[0] == "large" for earlier in order[:position])]
    assert after_large, order
    largest = max(peak[key] for key in order if key[0] == "large")
    fresh_peak = {key: fresh[key]["rows"][-1][m.PEAK_MEMORY_MB] for key in order}
    for key in after_large:
        assert peak[key] < largest - 200, (peak, fresh_peak)  # its own peak, not the large trial's
