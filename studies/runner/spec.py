"""What a study is: a base config, a search space (or grid arms), budgets, and what it optimises.

A study file builds one :class:`StudySpec` and hands it to :func:`studies.runner.run_study_cli`::

    SPEC = StudySpec(name="digits_sweep", description="...", base=ExperimentConfig(...),
                     space={"model": {"neuron": {"v_threshold": tune.uniform(1.0, 4.0)}}},
                     budgets={"smoke": Budget(num_samples=2, ...), "quick": ..., "paper": ...})

Sweeps (``space``) run Optuna TPE with ASHA, after the ``starting_points`` (e.g. one per model
family, so every family is tried whatever the sampler draws); grid studies (``variants``: named partial configs, the
arms of a paper table) run every arm for ``num_samples`` seeds with a FIFO scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.pareto import objective_columns
from mpis import metric_names
from mpis.config import ExperimentConfig, require, require_choice

SEARCH_OPTUNA = "optuna"
SEARCH_GRID = "grid"


@dataclass(frozen=True, kw_only=True)
class Budget:
    """How much one ``--budget`` runs."""

    num_samples: int  # sweeps: trials; grid studies: seeds per arm
    overrides: dict[str, Any] = field(default_factory=dict)  # nested changes to the base config
    space: dict[str, Any] = field(default_factory=dict)  # nested changes to the search space
    max_concurrent: int = 2  # trials running at once (more wait for resources anyway)
    grace_period: int = 1  # ASHA: epochs every trial runs before it may be stopped
    reduction_factor: int = 3  # ASHA: keep the best 1/reduction_factor at each rung
    description: str = ""  # one line for --help

    def __post_init__(self):
        require(self.num_samples >= 1, "num_samples", self.num_samples, "an integer >= 1")
        require(self.max_concurrent >= 1, "max_concurrent", self.max_concurrent, "an integer >= 1")
        require(self.grace_period >= 1, "grace_period", self.grace_period, "an integer >= 1")
        require(self.reduction_factor >= 2, "reduction_factor", self.reduction_factor, "an integer >= 2")


@dataclass(frozen=True, kw_only=True)
class StudySpec:
    """One study: everything but the command-line flags."""

    name: str  # default --name; also the Optuna study name
    description: str  # one paragraph for --help
    base: ExperimentConfig  # the typed config every trial starts from
    budgets: dict[str, Budget]  # --budget choices; the first one is the default
    space: dict[str, Any] = field(default_factory=dict)  # sweeps: nested Tune domains
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # grid studies: named arms
    starting_points: tuple[dict[str, Any], ...] = ()  # sweeps: partial configs tried first, in order
    table: str | None = None  # the paper table it feeds (see studies/README.md), None for sweeps
    metric: str = metric_names.BEST_TEST_ACCURACY
    mode: str = "max"
    objectives: tuple[str, ...] = ()  # >= 2 names of analysis.pareto.OBJECTIVES: a multi-objective sweep

    def __post_init__(self):
        require(bool(self.budgets), "budgets", self.budgets, "at least one named Budget")
        require(bool(self.space) != bool(self.variants), "space/variants", self.name,
                "exactly one of a search space (sweep) or variants (grid study)")
        require_choice(self.mode, "mode", ("min", "max"))

    @property
    def search(self) -> str:
        """``"grid"`` for studies with variants, ``"optuna"`` for sweeps."""
        return SEARCH_GRID if self.variants else SEARCH_OPTUNA

    @property
    def objective_metrics(self) -> dict[str, str]:
        """``{metric: mode}`` of every objective (the one ``metric`` without ``objectives``)."""
        return objective_columns(self.objectives) if self.objectives else {self.metric: self.mode}

    @property
    def default_budget(self) -> str:
        return next(iter(self.budgets))
