"""A paper-table study (grid arms x seeds) end to end on the real datasets in ../shared/data: the IDE
paper's MNIST / Fashion-MNIST / N-MNIST arms at the smoke budget, then the table regenerated."""

from __future__ import annotations

import json

import pytest

from studies import ide_table_static

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_ide_static_table_study_runs_every_arm_on_the_shared_data(ray_runtime, shared_data, tmp_path, capsys):
    status = ide_table_static.main(["--budget", "smoke", "--data-dir", str(shared_data), "--seed", "7",
                                    "--storage-path", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    study = tmp_path / "ide_table_static"
    configs = [json.loads((d / "mpis_config.json").read_text())
               for d in study.iterdir() if (d / "mpis_config.json").is_file()]
    arms = {(c["model.preset"], c["data.dataset"], c["model.neuron.leak"], c["model.simulation.time_steps"])
            for c in configs}
    assert arms == {("ide_mnist_f64c5", "mnist", 1.0, 30), ("ide_mnist_f64c5", "mnist", 0.95, 30),
                    ("ide_fmnist_f400", "fashion_mnist", 1.0, 5), ("ide_fmnist_f400", "fashion_mnist", 0.95, 5),
                    ("ide_nmnist_f64c5", "nmnist", 1.0, 30), ("ide_nmnist_f64c5", "nmnist", 0.95, 30)}
    assert {c["seed"] for c in configs} == {7} and {c["data.data_dir"] for c in configs} == {str(shared_data)}
    manifest = json.loads((study / "mpis_study.json").read_text())
    assert manifest["table"] == "ide_static" and manifest["search"] == "grid"
    assert not (study / "optuna_journal.log").exists()
    assert "6 trials: 6 completed" in out
    assert "Table C" in out
