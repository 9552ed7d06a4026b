"""The flagship CIFAR-10 sweep end to end on the session's Ray: Optuna TPE + ASHA over both model
families, a persisted Optuna journal, the study manifest and per-trial files, the dashboard URL, the
progress table, the best trial and the regenerated table.

CIFAR cannot be downloaded here: the sweep reads a tiny CIFAR-10 in the real pickle layout (random
images; see fake_cifar.py) through the real torchvision and mpis.data code paths."""

from __future__ import annotations

import json

import optuna
import pytest
from fake_cifar import write_fake_cifar10
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from analysis.study_files import NODE, NODE_ID, STATUS
from studies import cifar10_sweep

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def read_rows(trial_dir):
    return [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]


def test_the_cifar10_sweep_runs_and_leaves_a_self_describing_study(ray_runtime, tmp_path, capsys):
    data = write_fake_cifar10(tmp_path / "data")
    status = cifar10_sweep.main(["--budget", "smoke", "--num-samples", "3", "--data-dir", str(data),
                                 "--storage-path", str(tmp_path / "results"), "--name", "flagship"])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    study = tmp_path / "results" / "flagship"
    manifest = json.loads((study / "mpis_study.json").read_text())
    assert manifest["study"] == "cifar10_sweep" and manifest["search"] == "optuna"
    assert manifest["metric"] == "best_test_accuracy" and manifest["mode"] == "max"
    assert manifest["hardware"]["cluster_cpus"] == 2.0 and manifest["ray_version"]
    assert manifest["argv"][:3] == ["cifar10_sweep.py", "--budget", "smoke"]

    trial_dirs = sorted(p for p in study.iterdir() if (p / "mpis_config.json").is_file())
    assert len(trial_dirs) == 3
    presets = {json.loads((d / "mpis_config.json").read_text())["model.preset"] for d in trial_dirs}
    assert presets == {"mpis_cifar10", "ide_cifar10_cifarnetf", "gsnn_cifar10_cnn"}  # every family (tried first)
    for trial_dir in trial_dirs:
        config = json.loads((trial_dir / "mpis_config.json").read_text())
        assert config["data.dataset"] == "cifar10" and config["data.data_dir"] == str(data)
        assert config["data.limit_train"] == 24 and config["train.epochs"] == 1
        assert config["model.preset"] in ("mpis_cifar10", "ide_cifar10_cifarnetf", "gsnn_cifar10_cnn")
        if config["model.preset"] == "gsnn_cifar10_cnn":  # the gsnn arm keeps its release neuron, by BPTT
            assert (config["model.gradient"], config["model.simulation.time_steps"]) == ("bptt", 1)
        if config["model.preset"] == "ide_cifar10_cifarnetf":
            assert config["model.streams"] is None and config["model.depth"] is None
        rows = read_rows(trial_dir)
        assert [row["epoch"] for row in rows] == [1]
        assert all(row[STATUS] == "ok" and row[NODE] and row[NODE_ID] for row in rows)

    journal = JournalStorage(JournalFileBackend(str(study / "optuna_journal.log")))
    trials = optuna.load_study(study_name="flagship", storage=journal).trials
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)  # 1 epoch = full run
    gsnn = [t for t in trials if t.params.get("model/preset") == "gsnn_cifar10_cnn"]
    assert len(gsnn) == 1 and "model/gsnn/cell" in gsnn[0].params and "model/backward/name" not in gsnn[0].params
    assert all("model/neuron/v_threshold" in t.params and "model/backward/name" in t.params
               for t in trials if t not in gsnn)

    assert "Ray dashboard: http://127.0.0.1:" in out
    assert "Trial status:" in out  # Tune's progress table
    assert "Study flagship: 3 trials: 3 completed, 0 stopped early, 0 diverged, 0 errored" in out
    assert "Best trial: " in out and "Table E: best configurations of cifar10_sweep" in out
