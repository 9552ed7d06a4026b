"""The one error type of ``analysis``: a study directory (or a table's data) that cannot be used.

Command-line entry points wrap their ``main`` in :func:`exit_on_study_error`, so the user sees one line
naming what is missing and the process exits with status 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from typing import Callable

from mpis.cli import EXIT_BAD_INPUT

BAD_INPUT_EXIT_CODE = EXIT_BAD_INPUT  # the project's exit code for bad input (mpis.cli)


class StudyError(Exception):
    """A study directory, a trial or a table's data is missing or unusable; the message says which."""


def exit_on_study_error(main: Callable[..., int | None]) -> Callable[..., int]:
    """Decorate a CLI ``main``: a :class:`StudyError` prints ``error: <message>`` and returns 2."""

    @functools.wraps(main)
    def guarded(*arguments, **keywords) -> int:
        try:
            return main(*arguments, **keywords) or 0
        except StudyError as error:
            print(f"error: {error}", file=sys.stderr)
            return BAD_INPUT_EXIT_CODE

    return guarded
