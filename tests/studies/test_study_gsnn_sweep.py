"""The gsnn sweep end to end at its smoke budget on the session's Ray: Optuna TPE + ASHA over the gsnn
options on Fashion-MNIST padded to 32x32 (../shared/data), two one-epoch trials."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from studies import gsnn_sweep

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_gsnn_sweep_runs_its_smoke_budget(ray_runtime, shared_data, tmp_path, capsys):
    status = gsnn_sweep.main(["--budget", "smoke", "--data-dir", str(shared_data),
                              "--storage-path", str(tmp_path / "results"), "--name", "gsnn"])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    study = tmp_path / "results" / "gsnn"
    trial_dirs = sorted(p for p in study.iterdir() if (p / "mpis_config.json").is_file())
    assert len(trial_dirs) == 2
    for trial_dir in trial_dirs:
        config = json.loads((trial_dir / "mpis_config.json").read_text())
        assert config["model.preset"] == "gsnn_fmnist_cnn" and config["data.pad_to"] == 32
        assert config["model.gradient"] == "bptt" and config["data.limit_train"] == 40
        rows = [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]
        assert [row["epoch"] for row in rows] == [1] and "firing_rate_s0_l1" in rows[0]
    journal = JournalStorage(JournalFileBackend(str(study / "optuna_journal.log")))
    trials = optuna.load_study(study_name="gsnn", storage=journal).trials
    assert len(trials) == 2 and all("model/gsnn/cell" in t.params and "model/backward/name" not in t.params
                                    for t in trials)
