"""Configs to and from plain dicts, so studies (nested dicts) and checkpoints (flat dicts) can hold them.

``config_from_dict({"model": {"neuron": {"leak": 0.95}}}, base=ExperimentConfig())`` replaces
fields recursively and raises ``ValueError`` on unknown keys, so a typo in a search space fails before
any GPU time is spent. Flat names are dotted: ``model.neuron.leak``.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def config_from_dict(values: dict[str, Any], base):
    """A copy of dataclass ``base`` with ``values`` (nested or dotted keys) replaced; validated."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        elif isinstance(value, dict):
            nested.setdefault(head, {}).update(value)
        else:
            nested[head] = value
    fields = {f.name: f for f in dataclasses.fields(base)}
    changes = {}
    for key, value in nested.items():
        if key not in fields:
            raise ValueError(f"{type(base).__name__} has no field {key!r}; allowed: {', '.join(sorted(fields))}")
        current = getattr(base, key)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            changes[key] = config_from_dict(value, current)
        else:
            changes[key] = _coerce(value, str(fields[key].type))
    return dataclasses.replace(base, **changes)


def _coerce(value: Any, annotation: str) -> Any:
    """Match the field's declared type: integral floats (e.g. from a DataFrame) become ints for an
    ``int`` or ``int | None`` field, ints become floats for a ``float`` field, lists become tuples."""
    if isinstance(value, list):
        return tuple(value)
    declared = annotation.split("|")[0].strip()
    if isinstance(value, bool):
        return value
    if declared == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if declared == "float" and isinstance(value, int):
        return float(value)
    return value


def config_to_flat_dict(config, prefix: str = "") -> dict[str, Any]:
    """``{"model.neuron.leak": 0.95, ...}``; tuples become lists (JSON-friendly)."""
    flat: dict[str, Any] = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        name = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value):
            flat.update(config_to_flat_dict(value, name + "."))
        else:
            flat[name] = list(value) if isinstance(value, tuple) else value
    return flat
