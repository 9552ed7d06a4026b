"""Show an analysis result in a notebook, or say in one line why it is not available.

Example (needs a study directory)::

    show(lambda: plot_hyperparameter_importances(hyperparameter_importances(STUDY_DIR)))

A grid study has no Optuna journal, a sweep may have no table A rows: notebook cells stay one line
and never fail for data a study does not have (any other error still fails the cell).
"""

from __future__ import annotations

import io
from typing import Callable

from analysis.study_error import StudyError


def show(build: Callable[[], object]) -> None:
    """Display ``build()`` (a figure, frame or table); a :class:`StudyError` is shown as a note."""
    from IPython.display import Image, Markdown, display

    try:
        result = build()
    except StudyError as error:
        display(Markdown(f"*Not available: {error}*"))
        return
    if hasattr(result, "savefig"):  # a matplotlib figure: shown as PNG whatever the backend, then closed
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        result.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(result)
        result = Image(buffer.getvalue(), format="png")
    display(result)
