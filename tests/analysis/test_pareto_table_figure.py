"""``--pareto`` of ``analysis.tables`` and ``analysis.figures`` on a hand-made study: the table is the
brute-force non-dominated set, failed trials are never on it, the figure says what it shows."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_pareto_objectives import brute_force

from analysis.figures.objective_pareto import plot_pareto_front
from analysis.load_results import load_trials, successful_trials
from analysis.pareto import objective_columns
from analysis.tables.pareto_table import build_pareto_table

CONFIG = {"model.preset": "mpis_digits", "model.gradient": "implicit", "train.epochs": 2, "seed": 0}


def trials(count: int = 24, seed: int = 3):
    rng = np.random.default_rng(seed)
    made = []
    for index in range(count):
        accuracy, energy, memory = rng.integers(50, 56), rng.integers(1, 6) / 2, rng.integers(100, 104)  # ties
        rows = [{"epoch": epoch, "training_iteration": epoch, "trial_id": f"t{index:02d}", "test_accuracy": float(a),
                 "best_test_accuracy": float(a), "energy_uj": energy + epoch, "peak_memory_mb": float(memory),
                 "forward_steps": 5.0, "train_loss": 1.0} for epoch, a in ((1, accuracy - 1), (2, accuracy))]
        made.append((f"trial_{index:02d}", CONFIG, rows, None))
    best = {"epoch": 1, "trial_id": "tdiv", "test_accuracy": 99.0, "best_test_accuracy": 99.0, "energy_uj": 0.1,
            "peak_memory_mb": 1.0, "train_loss": 1.0}
    diverged = [best, {"trial_id": "tdiv", "status": "diverged", "best_test_accuracy": float("nan"),
                       "energy_uj": float("nan"), "epoch": 1, "diverged_what": "loss"}]
    made.append(("trial_diverged", CONFIG, diverged, None))  # would dominate everything if it were counted
    return made


@pytest.mark.parametrize("names", [("accuracy", "energy"), ("energy", "accuracy", "memory")])
def test_the_pareto_table_is_the_brute_force_front_without_failed_trials(make_study, names):
    study = make_study(trials())
    table = build_pareto_table(study, names)
    usable = successful_trials(load_trials(study), study)
    expected = set(usable.loc[list(brute_force(usable, objective_columns(names))), "trial_name"])
    assert set(table.frame["trial_name"]) == expected and "trial_diverged" not in expected
    assert 1 <= len(expected) < len(usable)
    first = table.frame.columns[3]
    assert first.startswith(names[0]) and len(table.frame.columns) == 3 + len(names)
    assert any("1 diverged" in note for note in table.notes)
    assert usable["energy_uj"].min() >= 2.5  # the last epoch's energy (epoch 1 reported 1 uJ less)


def test_the_tables_command_prints_the_front_and_refuses_an_unknown_objective(make_study):
    study = make_study(trials())
    done = subprocess.run([sys.executable, "-m", "analysis.tables", str(study), "--pareto", "accuracy,energy",
                           "--format", "csv"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    printed = pd.read_csv(io.StringIO(done.stdout), comment="#")
    assert set(printed["trial_name"]) == set(build_pareto_table(study, ("accuracy", "energy")).frame["trial_name"])
    bad = subprocess.run([sys.executable, "-m", "analysis.tables", str(study), "--pareto", "accuracy,speed"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1
    assert "--pareto=accuracy,speed is invalid" in bad.stderr


@pytest.mark.parametrize("names", [("accuracy", "energy"), ("accuracy", "energy", "memory")])
def test_the_pareto_figure_labels_its_axes_and_front(make_study, names):
    study = make_study(trials())
    figure = plot_pareto_front(successful_trials(load_trials(study), study), names)
    axes = figure.axes
    assert len(axes) == (1 if len(names) == 2 else 3)
    labels = {(a.get_xlabel(), a.get_ylabel()) for a in axes}
    if len(names) == 2:
        assert labels == {("energy per test sample (µJ), energy_uj: lower is better",
                           "best test accuracy (%), best_test_accuracy: higher is better")}
    else:
        assert {label for pair in labels for label in pair} == {
            "best test accuracy (%), best_test_accuracy: higher is better",
            "energy per test sample (µJ), energy_uj: lower is better",
            "peak training memory (MB), peak_memory_mb: lower is better"}
        assert "2-D projections of the 3-objective front" in figure._suptitle.get_text()
    front = len(build_pareto_table(study, names).frame)
    assert all(f"Pareto front over {', '.join(names)} ({front})" in [t.get_text() for t in a.get_legend().get_texts()]
               for a in axes)


def test_the_figures_command_writes_the_pareto_figure(make_study, tmp_path):
    study = make_study(trials())
    done = subprocess.run([sys.executable, "-m", "analysis.figures", str(study), "--out", str(tmp_path / "f"),
                           "--pareto", "accuracy,energy"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "f" / "pareto_accuracy_energy.png").stat().st_size > 1000
    assert (tmp_path / "f" / "pareto_accuracy_energy.svg").is_file()
    four = subprocess.run([sys.executable, "-m", "analysis.figures", str(study), "--out", str(tmp_path / "g"),
                           "--pareto", "accuracy,energy,memory,time_steps"], capture_output=True, text=True, timeout=120)
    assert four.returncode == 2 and "2 or 3 objectives" in four.stderr and not (tmp_path / "g").exists()


def test_trial_summaries_keep_the_last_epochs_operation_counts_and_energy():
    from analysis.trial_summary import summarise_metrics

    rows = [{"epoch": epoch, "energy_uj": 2.0 / epoch, "synaptic_ops": 10.0 * epoch, "macs": 5.0, "ann_macs": 50.0,
             "energy_ratio": 3.0 * epoch, "synaptic_ops_s0_l1": float(epoch), "macs_head": 1.0 + epoch,
             "energy_uj_s0_l1": 0.5 * epoch} for epoch in (1, 2)]
    summary = summarise_metrics(rows)
    assert (summary["energy_uj"], summary["synaptic_ops"], summary["energy_ratio"]) == (1.0, 20.0, 6.0)
    assert (summary["synaptic_ops_s0_l1"], summary["macs_head"], summary["energy_uj_s0_l1"]) == (2.0, 3.0, 1.0)
