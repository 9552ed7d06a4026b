"""Argument checks of the analysis commands: every bad input is refused with one ``error:`` line and
exit status 2 before any work (no study loaded, no figure drawn, nothing written).

:class:`OneLineParser` turns argparse's usage-and-error message into a :class:`StudyError` (so
``exit_on_study_error`` prints one line and returns 2); :func:`positive_int` is an argparse type;
:func:`require_output_folder` and :func:`require_output_file` check where results would be written.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from analysis.study_error import StudyError
from mpis import cli


class OneLineParser(cli.OneLineParser):
    """The project's one-line parser (:mod:`mpis.cli`) whose errors are :class:`StudyError`\\ s, so that
    ``exit_on_study_error`` prints them like every other bad input of analysis (``--help`` still
    prints the help)."""

    def error(self, message: str):
        raise StudyError(f"{message} (see {self.prog} --help)")


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: an integer >= 1")
    return value


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself or its nearest ancestor that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _require_creatable(path: Path, flag: str, allowed: str) -> None:
    """StudyError unless the missing ``path`` could be created: its nearest existing ancestor is a
    writable folder."""
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} ({ancestor} is a file)")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} ({ancestor} is not writable)")


def require_output_folder(path: Path, flag: str = "--out") -> None:
    """A folder figures can be written into: an existing writable folder, or one that can be created
    (nothing is created here)."""
    allowed = "a folder this user can write"
    if path.exists():
        if not path.is_dir():
            raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} (it is a file)")
        if not os.access(path, os.W_OK | os.X_OK):
            raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} (it is not writable)")
        return
    _require_creatable(path, flag, allowed)


def require_output_file(path: Path, flag: str = "--out") -> None:
    """A file a table can be written to: a writable file, or a new file in a folder that exists or
    can be created (nothing is created here)."""
    allowed = "a file path this user can write"
    if path.is_dir():
        raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} (it is a folder)")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise StudyError(f"{flag}={path} is invalid; allowed: {allowed} (it is not writable)")
        return
    _require_creatable(path, flag, allowed)
