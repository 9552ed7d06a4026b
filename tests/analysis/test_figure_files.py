"""Every figure is written as a non-empty PNG and SVG; the Pareto front is exactly the non-dominated set."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analysis.figures import write_all_figures
from analysis.figures.__main__ import main
from analysis.figures.convergence_models import best_trial_per_family
from analysis.figures.time_step_curves import curve_points
from analysis.load_results import load_trials, successful_trials
from analysis.pareto import pareto_front

FIGURES = ("accuracy_vs_time_steps", "memory_vs_time_steps", "epoch_time_vs_time_steps", "convergence_traces",
           "accuracy_vs_memory_pareto", "hyperparameter_importances")


def test_the_figures_command_writes_every_figure_as_png_and_svg(fixture_study, tmp_path, capsys):
    out = tmp_path / "figures"
    code = main([str(fixture_study), "--out", str(out), "--convergence-presets", "mpis_digits",
                 "ide_digits_f64c5", "--convergence-steps", "15"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    for name in FIGURES:
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg.stat().st_size > 1000 and "<svg" in svg.read_text()[:2000]
        assert str(png) in printed.out.splitlines()


def test_a_figure_without_data_is_skipped_with_its_reason(make_study, tmp_path):
    config = {"model.preset": "ide_digits_f64c5", "model.simulation.time_steps": 5, "seed": 0}
    rows = [{"epoch": 1, "test_accuracy": 50.0, "epoch_time_s": 1.0, "peak_memory_mb": 100.0}]
    study = make_study([("t0", config, rows, None)])
    report = write_all_figures(study, tmp_path / "f", convergence_steps=5, convergence_batch=2)
    assert "Optuna journal" in report.skipped["hyperparameter_importances"]
    assert set(report.written) == set(FIGURES) - {"hyperparameter_importances"}
    assert all(path.stat().st_size > 0 for paths in report.written.values() for path in paths)


def test_time_step_curve_points_are_means_over_seeds(fixture_study):
    trials = successful_trials(load_trials(fixture_study))
    points = curve_points(trials, "best_test_accuracy").set_index(["model", "T"])
    seeds = trials[(trials["model.preset"] == "mpis_fmnist") & (trials["model.simulation.time_steps"] == 30)]
    point = points.loc[("mpis_fmnist, implicit, IF", 30)]
    assert point["runs"] == 2 and point["mean"] == pytest.approx(seeds["best_test_accuracy"].mean())
    assert point["std"] == pytest.approx(seeds["best_test_accuracy"].std())


def test_convergence_traces_the_best_implicit_trial_of_each_family(fixture_study):
    trials = successful_trials(load_trials(fixture_study))
    best = best_trial_per_family(trials)
    assert [row["model.preset"] for row in best] == ["mpis_nmnist", "ide_cifar10_alexnetf"]
    assert best[1]["model.gradient"] == "implicit"


def test_the_pareto_front_is_the_set_of_non_dominated_points():
    generator = random.Random(0)
    frame = pd.DataFrame({"acc": [generator.uniform(80, 95) for _ in range(60)],
                          "mem": [generator.uniform(0.5, 8) for _ in range(60)]})
    front = set(pareto_front(frame, maximise="acc", minimise="mem").index)
    dominated = {i for i, a in frame.iterrows() for j, b in frame.iterrows()
                 if i != j and b.acc >= a.acc and b.mem <= a.mem and (b.acc > a.acc or b.mem < a.mem)}
    assert front == set(frame.index) - dominated and front
