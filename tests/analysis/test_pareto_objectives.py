"""The Pareto front over any two or three objectives equals the brute-force non-dominated set."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.pareto import OBJECTIVES, non_dominated, objective_columns, pareto_front, parse_objectives


def brute_force(frame: pd.DataFrame, objectives: dict[str, str]) -> set:
    def better_or_equal(a, b, column):
        return a[column] >= b[column] if objectives[column] == "max" else a[column] <= b[column]

    rows = frame.dropna(subset=list(objectives))
    front = set()
    for i, a in rows.iterrows():
        dominated = any(all(better_or_equal(b, a, c) for c in objectives) and
                        any(not better_or_equal(a, b, c) for c in objectives) for j, b in rows.iterrows() if j != i)
        if not dominated:
            front.add(i)
    return front


@pytest.mark.parametrize("names", [names for size in (2, 3) for names in itertools.permutations(OBJECTIVES, size)])
def test_front_equals_the_brute_force_non_dominated_set(names):
    rng = np.random.default_rng(len(names) * 7 + sum(map(len, names)))
    columns = objective_columns(names)
    frame = pd.DataFrame({column: rng.integers(0, 6, 40).astype(float) for column in columns})  # ties on purpose
    frame.iloc[3, 0] = np.nan
    front = non_dominated(frame, columns)
    assert set(front.index) == brute_force(frame, columns)
    assert 3 not in front.index and len(front) >= 1


def test_the_two_objective_front_is_the_accuracy_memory_front():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"acc": rng.uniform(0, 100, 50), "mem": rng.uniform(0, 10, 50)})
    front = pareto_front(frame, maximise="acc", minimise="mem")
    assert set(front.index) == brute_force(frame, {"acc": "max", "mem": "min"})
    assert front["mem"].is_monotonic_increasing and front["acc"].is_monotonic_increasing


def test_unknown_objectives_are_refused_in_one_line():
    with pytest.raises(ValueError, match="--objectives=accuracy,speed is invalid; allowed: 2 to 4"):
        parse_objectives("accuracy,speed")
    with pytest.raises(ValueError, match="distinct"):
        parse_objectives("energy,energy")


def test_table_d_layer_operations_sum_the_streams_of_a_layer():
    from analysis.tables.firing_rates import _our_rates

    summary = pd.DataFrame([{"method": "MPIS", "dataset": "digits", "runs": 1, "hardware": "cpu",
                             "firing_rate_s0_l1": 0.2, "firing_rate_s1_l1": 0.1, "firing_rate_total": 0.15,
                             "synaptic_ops_s0_l1": 10.0, "synaptic_ops_s1_l1": 5.0, "macs_s0_l1": 7.0,
                             "macs_s1_l1": 1.0, "energy_uj_s0_l1": 2.0, "energy_uj_s1_l1": 0.5,
                             "synaptic_ops": 20.0, "macs": 9.0, "energy_uj": 3.0}])
    rows = _our_rates(summary).set_index("layer")
    assert rows.loc["1", ["ACs", "MACs", "Energy (µJ)"]].tolist() == [15.0, 8.0, 2.5]
    assert rows.loc["Total", ["ACs", "MACs", "Energy (µJ)"]].tolist() == [20.0, 9.0, 3.0]
