"""Figures say what they show: what a point and its error bar aggregate, what memory was measured
(axes from 0), which weights and inputs the convergence figure simulated, and which method the
hyperparameter importances are and how few trials back them."""

from __future__ import annotations

import json
import shutil

import optuna
import pandas as pd
import pytest
import torch

from analysis.figures import (
    plot_accuracy_vs_memory,
    plot_accuracy_vs_time_steps,
    plot_hyperparameter_importances,
    plot_memory_vs_time_steps,
    write_all_figures,
)
from analysis.figures.convergence_models import trace_models
from analysis.figures.time_step_curves import curve_points
from analysis.load_results import load_trials, successful_trials
from analysis.optuna_importance import importance_report
from analysis.study_error import StudyError
from analysis.traced_inputs import real_or_random_inputs
from mpis.config import DataConfig

BASE = {"model.preset": "mpis_digits", "model.gradient": "implicit", "model.simulation.time_steps": 5,
        "train.learning_rate": 0.1, "best_test_accuracy": 80.0, "peak_memory_mb": 1024.0}


def frame(*changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{**BASE, "trial_id": f"t{i}", "seed": 0, **change} for i, change in enumerate(changes)])


def test_a_point_is_a_mean_over_seeds_only_for_one_configuration():
    seeds = frame({"best_test_accuracy": 80.0}, {"seed": 1, "best_test_accuracy": 82.0})
    point = curve_points(seeds, "best_test_accuracy").iloc[0]
    assert (point["aggregate"], point["configurations"], point["runs"], point["mean"]) == ("seeds", 1, 2, 81.0)
    assert "mean ± std over n seeds of one configuration" in plot_accuracy_vs_time_steps(seeds).axes[0].get_title()
    sweep = frame({"best_test_accuracy": 80.0, "peak_memory_mb": 512.0},
                  {"train.learning_rate": 0.5, "best_test_accuracy": 90.0, "peak_memory_mb": 2048.0},
                  {"train.learning_rate": 0.5, "seed": 1, "best_test_accuracy": 88.0, "peak_memory_mb": 2048.0})
    point = curve_points(sweep, "best_test_accuracy").iloc[0]
    assert (point["aggregate"], point["configurations"], point["runs"], point["mean"]) == \
        ("best configuration", 2, 2, 89.0)
    memory = curve_points(sweep, "peak_memory_mb").iloc[0]  # the memory of the most accurate configuration
    assert memory["mean"] == 2048.0
    axes = plot_accuracy_vs_time_steps(sweep).axes[0]
    assert "the best of n configurations by best_test_accuracy" in axes.get_title()
    assert "best of 2" in [text.get_text() for text in axes.texts]


@pytest.mark.parametrize("kind, words", [("cuda_max_allocated", "CUDA peak allocated, tensors only"),
                                         ("cpu_peak_rss", "CPU peak RSS of the trial process, incl. the Python"),
                                         (None, "kind not recorded")])
def test_memory_figures_say_what_was_measured_and_start_at_zero(kind, words):
    trials = frame({}, {"model.simulation.time_steps": 10, "peak_memory_mb": 2048.0})
    if kind:
        trials["memory_kind"] = kind
    by_steps, pareto = plot_memory_vs_time_steps(trials).axes[0], plot_accuracy_vs_memory(trials).axes[0]
    assert words in by_steps.get_title() and words in pareto.get_title()
    assert by_steps.get_ylim()[0] == 0 and pareto.get_xlim()[0] == 0


def test_real_test_samples_when_on_disk_else_random_without_downloading(tmp_path):
    inputs = real_or_random_inputs("ide_digits_f64c5", DataConfig(dataset="digits"), time_steps=5, batch_size=3)
    assert inputs.source == "3 digits test samples" and inputs.batch.shape == (3, 1, 8, 8)
    from mpis.data import build_dataloaders

    _, test_loader, _ = build_dataloaders(DataConfig(dataset="digits", limit_test=3, test_batch_size=3),
                                          time_steps=5, seed=0)
    assert torch.equal(inputs.batch, next(iter(test_loader))[0])
    empty = tmp_path / "data"
    empty.mkdir()
    missing = real_or_random_inputs("ide_fmnist_f400", DataConfig(dataset="fashion_mnist", data_dir=str(empty)),
                                    time_steps=5, batch_size=3)
    assert missing.source == "seeded random inputs (fashion_mnist not on disk)"
    assert missing.batch.shape == (3, 1, 28, 28)
    assert list(empty.iterdir()) == []  # nothing downloaded, no lock file
    mismatch = real_or_random_inputs("ide_fmnist_f400", DataConfig(dataset="digits"), time_steps=5, batch_size=3)
    assert mismatch.source == "seeded random inputs (digits does not fit ide_fmnist_f400)"


@pytest.fixture(scope="module")
def trained_study(tmp_path_factory):
    """A hand-made study whose one IDE trial kept the checkpoint mpis.training.fit wrote."""
    from mpis.config import ExperimentConfig, ModelConfig, SimulationConfig, TrainConfig
    from mpis.config_io import config_to_flat_dict
    from mpis.training import fit

    root = tmp_path_factory.mktemp("trained")
    config = ExperimentConfig(model=ModelConfig(preset="ide_digits_f64c5", simulation=SimulationConfig(time_steps=3)),
                              data=DataConfig(dataset="digits", batch_size=64, limit_train=64, limit_test=20),
                              train=TrainConfig(epochs=1), seed=0)
    fit(config, checkpoint_root=str(root / "fit"))
    study = root / "study"
    trial = study / "t0"
    trial.mkdir(parents=True)
    (study / "mpis_study.json").write_text(json.dumps({"study": "trained", "metric": "best_test_accuracy"}))
    (trial / "mpis_config.json").write_text(json.dumps(config_to_flat_dict(config)))
    (trial / "result.json").write_text(json.dumps({"epoch": 1, "test_accuracy": 50.0, "trial_id": "t0"}) + "\n")
    shutil.copytree(root / "fit" / "epoch_0001", trial / "checkpoint_000001")
    return study


def test_the_convergence_figure_uses_the_checkpoint_and_test_samples(trained_study):
    trials = successful_trials(load_trials(trained_study))
    info = {"study": "trained"}
    [trained] = trace_models(trials, info, study_dir=trained_study, time_steps=4, batch_size=2)
    assert trained.label == "best ide_digits_f64c5 trial t0, trained (checkpoint_000001)"
    assert trained.inputs == "2 digits test samples"
    [untrained] = trace_models(trials, info, study_dir=trained_study, time_steps=4, batch_size=2, untrained=True)
    assert untrained.label.endswith("untrained (--convergence-untrained)") and untrained.curves != trained.curves
    [preset] = trace_models(trials, info, presets=["ide_digits_f64c5"], time_steps=4, batch_size=2)
    assert preset.inputs == "seeded random inputs (a preset names no dataset)"


def add_optuna_trials(study_dir, kinds: list[str], *, failed: int = 0) -> None:
    """An Optuna journal with one completed trial per entry of ``kinds`` (and some failed ones)."""
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(
        str(study_dir / "optuna_journal.log")))
    study = optuna.create_study(study_name="handmade", storage=storage, direction="maximize")
    distributions = {"train/learning_rate": optuna.distributions.FloatDistribution(1e-3, 1.0, log=True),
                     "model/kind": optuna.distributions.CategoricalDistribution(["a", "b", "c"])}
    for index, kind in enumerate(kinds):
        params = {"train/learning_rate": 0.01 * (index + 1), "model/kind": kind}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions,
                                                  value=50.0 + 7 * (index % 3)))
    for _ in range(failed):
        study.add_trial(optuna.trial.create_trial(params={"model/kind": "c"}, state=optuna.trial.TrialState.FAIL,
                                                  distributions={"model/kind": distributions["model/kind"]}))


def test_importances_name_their_method_and_few_completed_trials(make_study):
    study = make_study([("t0", {"model.preset": "mpis_digits"}, [{"epoch": 1, "test_accuracy": 1.0}], None)])
    add_optuna_trials(study, ["a", "a", "b", "a", "b", "a", "b"], failed=2)
    report = importance_report(study)
    assert report.method == "PED-ANOVA (Optuna's default evaluator)" and report.completed == 7
    assert report.caveats == {"model.kind": "completed trials per value below 2: c: 0"}
    assert report.importances.sum() == pytest.approx(1.0)
    axes = plot_hyperparameter_importances(report).axes[0]
    assert "PED-ANOVA (Optuna's default evaluator), 7 completed Optuna trials" in axes.get_xlabel()
    assert "model.kind *" in [label.get_text() for label in axes.get_yticklabels()]


def test_importances_from_too_few_completed_trials_are_skipped_with_the_reason(make_study, tmp_path):
    config = {"model.preset": "ide_digits_f64c5", "model.simulation.time_steps": 5}
    study = make_study([("t0", config, [{"epoch": 1, "test_accuracy": 50.0, "peak_memory_mb": 1.0}], None)])
    add_optuna_trials(study, ["a"], failed=3)
    with pytest.raises(StudyError, match="need at least 2 completed Optuna trials; the study in .* has 1"):
        importance_report(study)
    report = write_all_figures(study, tmp_path / "f", convergence_presets=["ide_digits_f64c5"], convergence_steps=3,
                               convergence_batch=2)
    assert "at least 2 completed Optuna trials" in report.skipped["hyperparameter_importances"]
