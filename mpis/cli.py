"""The conventions every command of the project shares (``python -m mpis.train``, the study files,
``python -m analysis.tables`` and ``analysis.figures``): bad input is one line on stderr, without
argparse's usage block, and exit code 2, before any work starts; the other exit codes are these."""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_ALL_FAILED = 1  # a study whose every trial failed (errored or diverged)
EXIT_BAD_INPUT = 2  # one line on stderr, nothing started
EXIT_DIVERGED = 3  # python -m mpis.train: the training diverged (TrainingDiverged)


class OneLineParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose errors are one line ``<prog>: error: <message>`` and exit code 2."""

    def error(self, message: str):
        print(f"{self.prog}: error: {message}", file=sys.stderr, flush=True)
        sys.exit(EXIT_BAD_INPUT)
