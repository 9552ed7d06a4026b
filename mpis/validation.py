"""The one-line ``ValueError`` every config and command raises for a bad value: argument, value and
what is allowed. Imports nothing of the package."""

from __future__ import annotations


def require(condition: bool, argument: str, value: object, allowed: str) -> None:
    """Raise ``ValueError("<argument>=<value> is invalid; allowed: <allowed>")`` unless ``condition``."""
    if not condition:
        raise ValueError(f"{argument}={value!r} is invalid; allowed: {allowed}")


def require_choice(value: str, argument: str, choices) -> None:
    """Raise a ``ValueError`` naming ``argument`` unless ``value`` is one of ``choices``."""
    require(value in choices, argument, value, "one of " + ", ".join(sorted(choices)))
