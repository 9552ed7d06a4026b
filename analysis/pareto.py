"""The Pareto front of a study: trials that no other trial beats on every objective at once.

Objectives are named by :data:`OBJECTIVES` (what ``--objectives`` of a study accepts): each is a
metric column and a direction. Any two or three (or more) of them give a front:

>>> import pandas as pd
>>> frame = pd.DataFrame({"acc": [90, 92, 91, 93], "mem": [1.0, 2.0, 3.0, 4.0]})
>>> pareto_front(frame, maximise="acc", minimise="mem").index.tolist()
[0, 1, 3]
>>> frame["uj"] = [5.0, 5.0, 1.0, 9.0]
>>> sorted(non_dominated(frame, {"acc": "max", "mem": "min", "uj": "min"}).index.tolist())
[0, 1, 2, 3]
>>> parse_objectives("accuracy,energy")
('accuracy', 'energy')
"""

from __future__ import annotations

import pandas as pd

from mpis import metric_names as m

OBJECTIVES: dict[str, tuple[str, str]] = {  # name -> (metric column, "max" or "min")
    "accuracy": (m.BEST_TEST_ACCURACY, "max"),
    "energy": (m.ENERGY_UJ, "min"),  # per test sample, microjoules (mpis.energy)
    "memory": (m.PEAK_MEMORY_MB, "min"),  # peak training memory
    "time_steps": (m.FORWARD_STEPS, "min"),  # simulation steps actually run (T unless forward_tol > 0)
}


def parse_objectives(text: str) -> tuple[str, ...]:
    """``"accuracy,energy"`` -> ``("accuracy", "energy")``; a one-line ``ValueError`` for anything else."""
    names = tuple(part.strip() for part in text.split(","))
    unknown = [name for name in names if name not in OBJECTIVES]
    if unknown or len(set(names)) != len(names) or not 2 <= len(names) <= len(OBJECTIVES):
        raise ValueError(f"--objectives={text} is invalid; allowed: 2 to {len(OBJECTIVES)} distinct names, "
                         f"comma-separated, of {', '.join(OBJECTIVES)} (e.g. accuracy,energy)")
    return names


def objective_columns(names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Objective names -> ``{metric column: direction}``."""
    return dict(OBJECTIVES[name] for name in names)


def non_dominated(frame: pd.DataFrame, objectives: dict[str, str]) -> pd.DataFrame:
    """Rows not dominated by another row: no other row is at least as good on every objective
    (``{column: "max" | "min"}``) and strictly better on one. Rows with a missing value are ignored;
    equal rows all stay. Sorted by the first objective, best first."""
    columns = list(objectives)
    candidates = frame.dropna(subset=columns)
    signs = [1.0 if objectives[c] == "max" else -1.0 for c in columns]
    values = candidates[columns].to_numpy(dtype=float) * signs  # larger is better everywhere
    keep = [not any((other >= row).all() and (other > row).any() for other in values) for row in values]
    front = candidates[keep]
    return front.sort_values(columns[0], ascending=objectives[columns[0]] == "min", kind="stable")


def pareto_front(frame: pd.DataFrame, *, maximise: str, minimise: str) -> pd.DataFrame:
    """The two-objective front of :func:`non_dominated`, sorted by ``minimise`` (the step-line order)."""
    front = non_dominated(frame, {maximise: "max", minimise: "min"})
    return front.sort_values([minimise, maximise], ascending=[True, False], kind="stable")
