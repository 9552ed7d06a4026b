"""Each table's numbers equal those recomputed here from the trials' result.json files, and the
paper's columns equal analysis/paper_data (itself checked against ALGORITHMS.md)."""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest
from study_expectations import best_accuracy, last, read_trials, seed_statistics, select

from analysis.load_results import load_trials, successful_trials
from analysis.study_error import StudyError
from analysis.study_files import read_study_info
from analysis.tables import TABLES, build_table


@pytest.fixture(scope="module")
def expected_trials(fixture_study):
    return read_trials(fixture_study)


def row_of(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in keys.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected one row with {keys}, found {mask.sum()}"
    return frame[mask].iloc[0]


def close(value, expected) -> bool:
    return (expected is None and math.isnan(value)) or value == pytest.approx(expected)


def test_table_a_mpis_vs_bptt(fixture_study, expected_trials):
    frame = build_table(fixture_study, "A").frame
    mpis = seed_statistics(select(expected_trials, model__preset="mpis_fmnist", model__simulation__time_steps=30))
    row = row_of(frame, dataset="F-MNIST", method="MPIS", T=30)
    assert row["runs"] == mpis["runs"] == 2  # the diverged seed is left out
    assert close(row["Acc % (ours)"], mpis["mean"]) and row["Acc % (paper)"] == 93.14
    assert close(row["Δ Acc %"], mpis["mean"] - 93.14)
    assert close(row["Time/epoch s (ours)"], mpis["time"]) and row["Time/epoch s (paper)"] == 30
    assert close(row["Memory GB (ours)"], mpis["memory_gb"]) and row["Memory GB (paper)"] == 1.2
    bptt = seed_statistics(select(expected_trials, model__preset="cnn_fmnist", model__simulation__time_steps=100))
    row = row_of(frame, dataset="F-MNIST", method="BPTT", T=100)
    assert close(row["Memory GB (ours)"], bptt["memory_gb"]) and row["Time/epoch s (paper)"] == 92
    assert close(row["Δ Memory GB"], bptt["memory_gb"] - 4.8)
    assert row["hardware (ours)"] == "cpu"
    unmatched = row_of(frame, dataset="F-MNIST", method="MPIS", T=10)  # ours only: the paper has no T = 10
    assert math.isnan(unmatched["Acc % (paper)"]) and unmatched["runs"] == 1
    out_of_memory = row_of(frame, dataset="N-MNIST", method="BPTT", T=100)
    assert out_of_memory["runs"] == 0 and out_of_memory["note"] == "out of memory"
    assert len(frame) == 8 + 1  # every paper row, plus ours at T = 10


def test_table_b_mpis_vs_ide(fixture_study, expected_trials):
    frame = build_table(fixture_study, "B").frame
    for preset, method, size, paper_accuracy in (("mpis_cifar10", "MPIS", "11.8M", 92.79),
                                                 ("ide_cifar10_cifarnetf", "IDE", "11.8M", 90.37)):
        expected = seed_statistics(select(expected_trials, model__preset=preset))
        row = row_of(frame, dataset="CIFAR-10", method=method, size=size, T=30)
        assert close(row["Acc % (ours)"], expected["mean"]) and row["Acc % (paper)"] == paper_accuracy
        assert close(row["Time/epoch s (ours)"], expected["time"])
    assert row_of(frame, dataset="CIFAR-10", method="MPIS", size="28.5M", T=30)["runs"] == 0


def test_table_c_ide_mean_std_best_over_seeds(fixture_study, expected_trials):
    frame = build_table(fixture_study, "C").frame
    trials = select(expected_trials, model__preset="ide_fmnist_f400", model__neuron__leak=1.0)
    accuracies = [best_accuracy(t) for t in trials]
    row = row_of(frame, dataset="F-MNIST", neuron="IF", architecture="400 (F400)", T=5)
    assert row["runs"] == 3
    assert close(row["Mean % (ours)"], statistics.fmean(accuracies))
    assert close(row["Std (ours)"], statistics.stdev(accuracies))
    assert close(row["Best % (ours)"], max(accuracies))
    assert (row["Mean % (paper)"], row["Std (paper)"], row["Best % (paper)"]) == (90.04, 0.09, 90.14)
    assert row["Params (ours)"] == last(trials[0], "parameters") and row["Params (paper)"] == 478e3
    lif = row_of(frame, dataset="F-MNIST", neuron="LIF λ = 0.95", architecture="400 (F400)", T=5)
    assert lif["runs"] == 1 and math.isnan(lif["Std (ours)"])


def test_table_d_firing_rates_per_layer(fixture_study, expected_trials):
    frame = build_table(fixture_study, "D").frame
    ide = select(expected_trials, model__preset="ide_cifar10_alexnetf", model__gradient="implicit")[0]
    for layer in range(1, 6):
        row = row_of(frame, method="IDE-IF", layer=str(layer))
        assert close(row["Rate (ours)"], last(ide, f"firing_rate_s0_l{layer}"))
        assert close(row["Rate ÷ L (ours, IDE repo convention)"], last(ide, f"firing_rate_s0_l{layer}") / 5)
    assert close(row_of(frame, method="IDE-IF", layer="Total")["Rate (ours)"], last(ide, "firing_rate_total"))
    assert row_of(frame, method="IDE-IF", layer="1")["Rate (paper)"] == 0.0345
    mpis = select(expected_trials, model__preset="mpis_fmnist")
    expected = statistics.fmean(statistics.fmean(last(t, f"firing_rate_s{s}_l2") for s in (0, 1)) for t in mpis)
    row = row_of(frame, method="MPIS", layer="2", **{"dataset (ours)": "F-MNIST"})
    assert close(row["Rate (ours)"], expected) and row["Rate (paper)"] == 7.0e-4
    assert close(row["Δ Rate"], expected - 7.0e-4)


def test_table_m_ide_memory_by_time_steps(fixture_study, expected_trials):
    frame = build_table(fixture_study, "M").frame
    stbp = seed_statistics(select(expected_trials, model__preset="ide_cifar10_alexnetf", model__gradient="bptt"))
    row = row_of(frame, method="STBP*", T=30)
    assert close(row["Memory GB (ours)"], stbp["memory_gb"]) and row["Memory GB (paper)"] == 11


def test_table_e_ranks_by_the_study_metric_and_shows_varying_hyperparameters(fixture_study, expected_trials):
    table = build_table(fixture_study, "E")
    frame = table.frame
    ranked = sorted((best_accuracy(t) for t in select(expected_trials)), reverse=True)
    assert frame["best_test_accuracy"].tolist() == pytest.approx(ranked[:10])
    assert frame["rank"].tolist() == list(range(1, 11))
    assert {"model.preset", "train.learning_rate", "seed", "model.simulation.time_steps"} <= set(frame.columns)
    assert "data.dataset" not in frame.columns  # the same in every trial
    assert any("best_test_accuracy (max)" in note for note in table.notes)


@pytest.mark.parametrize("name", ["A", "B", "C", "D", "M"])
def test_every_comparison_table_names_our_hardware(fixture_study, name):
    table = build_table(fixture_study, name)
    info = read_study_info(fixture_study)
    assert any(note.startswith("Ours ran on: " + info["hardware"]) for note in table.notes)
    assert "hardware (ours)" in table.frame.columns


def test_a_table_without_trials_says_which_presets_it_needs(fixture_study):
    trials = successful_trials(load_trials(fixture_study))
    only_ide = trials[trials["model.preset"] == "ide_fmnist_f400"]
    with pytest.raises(StudyError, match=r"table A has no data: it needs trials of mpis_fmnist \(implicit\)"):
        TABLES["A"](only_ide, {}, None)


def test_paper_tables_use_completed_runs_only(make_study):
    config = {"model.preset": "ide_fmnist_f400", "model.simulation.time_steps": 5, "train.epochs": 2}
    rows = [{"epoch": e, "test_accuracy": 80.0 + e, "epoch_time_s": 1.0} for e in (1, 2)]
    study = make_study([("done", {**config, "seed": 0}, rows, None),
                        ("half", {**config, "seed": 1}, [{**rows[0], "test_accuracy": 10.0}], None)])
    table = build_table(study, "C")
    row = row_of(table.frame, dataset="F-MNIST", neuron="IF", T=5)
    assert row["runs"] == 1 and row["Mean % (ours)"] == 82.0
    assert "Left out, not completed: 1 incomplete trial(s)." in table.notes
    (study / "done" / "result.json").write_text("")
    with pytest.raises(StudyError, match="table C has no data yet: none of its 1 trials has completed"):
        build_table(study, "C")
