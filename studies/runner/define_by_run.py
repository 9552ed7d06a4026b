"""A nested Tune search space as an Optuna define-by-run function, conditional on the family.

``model.preset`` is sampled first; every other parameter only where it applies to that preset
(``studies.runner.space.parameter_applies``): ``model.streams``, ``model.depth`` and ``model.widths``
for MPIS, ``model.gsnn.*`` for gsnn (each option only where it changes the network, judged on the
options drawn before it, in the space's order). An IDE trial therefore has no streams/depth parameter
in the Optuna study, and TPE never learns from values that had no effect. Parameter names are Tune's
flattened paths (``model/neuron/v_threshold``); ``OptunaSearch`` unflattens them into the nested
config the trainable receives.
"""

from __future__ import annotations

from typing import Any

import optuna
from ray.tune.search.optuna import OptunaSearch

from studies.runner.space import parameter_applies

PRESET_PARAMETER = "model/preset"


class ConditionalSpace:
    """Callable ``(optuna_trial) -> None`` that suggests every parameter of ``space`` that applies.

    ``default_preset`` is the base config's preset, used when the space does not sample one.
    Picklable (Tune saves it with the searcher's state).
    """

    def __init__(self, space: dict[str, Any], default_preset: str):
        self.distributions = OptunaSearch.convert_search_space(space)
        self.default_preset = default_preset

    def __call__(self, trial: optuna.Trial) -> None:
        preset = self.default_preset
        if PRESET_PARAMETER in self.distributions:
            preset = suggest(trial, PRESET_PARAMETER, self.distributions[PRESET_PARAMETER])
        sampled: dict[str, Any] = {}
        for name, distribution in self.distributions.items():
            dotted = name.replace("/", ".")
            if name == PRESET_PARAMETER or not parameter_applies(dotted, preset, self.default_preset, sampled):
                continue
            sampled[dotted] = suggest(trial, name, distribution)


def suggest(trial: optuna.Trial, name: str, distribution) -> Any:
    """Ask ``trial`` for parameter ``name`` drawn from an Optuna ``distribution``."""
    if isinstance(distribution, optuna.distributions.FloatDistribution):
        return trial.suggest_float(name, distribution.low, distribution.high,
                                   step=distribution.step, log=distribution.log)
    if isinstance(distribution, optuna.distributions.IntDistribution):
        return trial.suggest_int(name, distribution.low, distribution.high,
                                 step=distribution.step, log=distribution.log)
    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    raise TypeError(f"parameter {name!r} has distribution {distribution!r}; allowed: float, int, categorical")
