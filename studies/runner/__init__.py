"""The Tune wiring every study shares; a study file is a ``StudySpec`` and ``run_study_cli(SPEC)``."""

from studies.runner.command_line import run_study_cli
from studies.runner.spec import Budget, StudySpec

__all__ = ["run_study_cli", "Budget", "StudySpec"]
