"""``--objectives accuracy,energy`` end to end on the session's Ray: the quickstart at its smoke budget
as a multi-objective Optuna sweep; every trial reports both objectives, Optuna holds a two-direction
study whose best trials are the Pareto front that ``analysis`` builds from the study directory, and
the summary prints that front with each trial's energy per sample."""

from __future__ import annotations

import json
import math

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from analysis.tables.pareto_table import build_pareto_table
from mpis import metric_names as m
from studies import quickstart

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_multi_objective_smoke_study_reports_every_objective_and_its_front(ray_runtime, tmp_path, capsys):
    status = quickstart.main(["--budget", "smoke", "--objectives", "accuracy,energy", "--num-samples", "3",
                              "--storage-path", str(tmp_path / "results"), "--name", "qsmo"])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    assert "Pareto front over accuracy, energy:" in out and "uJ per test sample" in out and "Best trial:" not in out
    study = tmp_path / "results" / "qsmo"
    trial_dirs = sorted(p for p in study.iterdir() if (p / "mpis_config.json").is_file())
    assert len(trial_dirs) == 3
    last = {}
    for trial_dir in trial_dirs:
        rows = [json.loads(line) for line in (trial_dir / "result.json").read_text().splitlines() if line.strip()]
        assert [row["epoch"] for row in rows] == [1, 2]  # FIFO: no ASHA stop in a multi-objective sweep
        for row in rows:
            assert all(math.isfinite(row[key]) for key in (m.BEST_TEST_ACCURACY, m.ENERGY_UJ, m.SYNAPTIC_OPS))
            assert row[m.ENERGY_UJ] > 0 and row[m.ENERGY_RATIO] > 0
        last[trial_dir.name] = [rows[-1][m.BEST_TEST_ACCURACY], rows[-1][m.ENERGY_UJ]]
    journal = JournalStorage(JournalFileBackend(str(study / "optuna_journal.log")))
    optuna_study = optuna.load_study(study_name="qsmo", storage=journal)
    assert [d.name for d in optuna_study.directions] == ["MAXIMIZE", "MINIMIZE"]
    complete = [t for t in optuna_study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 3 and all(t.values == last[t.user_attrs["trial_folder"]] for t in complete)
    best = {t.user_attrs["trial_folder"] for t in optuna_study.best_trials}
    assert best and set(build_pareto_table(study, ("accuracy", "energy")).frame["trial_name"]) == best
    assert all(folder in out for folder in best)
