"""Single-trial training: ``fit(config, report)`` and what it raises when a trial diverges."""

from mpis.training.divergence import TrainingDiverged
from mpis.training.fit import FitSummary, fit

__all__ = ["fit", "FitSummary", "TrainingDiverged"]
