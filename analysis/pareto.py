"""The Pareto front of a sweep: trials that no other trial beats on both accuracy and memory.

>>> import pandas as pd
>>> frame = pd.DataFrame({"acc": [90, 92, 91, 93], "mem": [1.0, 2.0, 3.0, 4.0]})
>>> pareto_front(frame, maximise="acc", minimise="mem").index.tolist()
[0, 1, 3]
"""

from __future__ import annotations

import pandas as pd


def pareto_front(frame: pd.DataFrame, *, maximise: str, minimise: str) -> pd.DataFrame:
    """Rows of ``frame`` not dominated by another row (higher-or-equal ``maximise`` and lower-or-equal
    ``minimise``, strictly better in one), sorted by ``minimise``; rows with a missing value are ignored."""
    candidates = frame.dropna(subset=[maximise, minimise]).sort_values([minimise, maximise],
                                                                       ascending=[True, False], kind="stable")
    front_index, best_so_far = [], float("-inf")
    for index, value in candidates[maximise].items():
        if value > best_so_far:  # cheaper rows came first, so only a strictly better value survives
            front_index.append(index)
            best_so_far = value
    return candidates.loc[front_index]
