"""Every name a config may hold, checked against the registry that owns it, in one place.

Configs (``mpis.config``) check types and ranges only; a name (preset, backward solver, surrogate,
dataset) is checked here, against the dict that maps it to what it builds:

==================  ==========================================
``model.preset``    :data:`mpis.models.registry.PRESETS`
``model.backward``  :data:`mpis.solvers.SOLVERS`
``model.surrogate`` :data:`mpis.surrogates.DERIVATIVES`
``data.dataset``    :data:`mpis.data.loaders.OPENERS`
==================  ==========================================

:func:`check_names` is called before any data is read (by ``fit``, the command line and the
studies' preflight), with the same one-line ``ValueError`` a range check gives.
"""

from __future__ import annotations

from typing import Mapping, TypeVar

from mpis.config import DataConfig, ExperimentConfig, ModelConfig, require

Entry = TypeVar("Entry")


def lookup(registry: Mapping[str, Entry], name: str, argument: str) -> Entry:
    """``registry[name]``, or ``ValueError("<argument>=<name> is invalid; allowed: one of ...")``."""
    require(name in registry, argument, name, "one of " + ", ".join(sorted(registry)))
    return registry[name]


def registered_names() -> dict[str, list[str]]:
    """Config argument -> the names its registry knows (for search spaces and help texts)."""
    from mpis.data.loaders import OPENERS
    from mpis.models.registry import PRESETS
    from mpis.solvers import SOLVERS
    from mpis.surrogates import DERIVATIVES

    return {"preset": list(PRESETS), "solver": list(SOLVERS), "surrogate": list(DERIVATIVES),
            "dataset": list(OPENERS)}


def check_names(config: ExperimentConfig | ModelConfig | DataConfig) -> None:
    """Raise a one-line ``ValueError`` for the first name in ``config`` no registry knows."""
    names = registered_names()
    if isinstance(config, ExperimentConfig):
        check_names(config.model)
        check_names(config.data)
    elif isinstance(config, ModelConfig):
        lookup(dict.fromkeys(names["preset"]), config.preset, "preset")
        lookup(dict.fromkeys(names["solver"]), config.backward.name, "solver")
        lookup(dict.fromkeys(names["surrogate"]), config.surrogate, "surrogate")
    else:
        lookup(dict.fromkeys(names["dataset"]), config.dataset, "dataset")
