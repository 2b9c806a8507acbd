"""Checks for the values of a scenario document; each error names the key that is wrong."""

from __future__ import annotations

from typing import Any


class ScenarioError(ValueError):
    """A scenario that cannot be applied; the message says which key is wrong."""


def number(value: Any, where: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where} must be a number, not {value!r}")
    if value < minimum:
        raise ScenarioError(f"{where} must be at least {minimum}, not {value!r}")
    return float(value)


def share(value: Any, where: str) -> float:
    rate = number(value, where)
    if rate > 1.0:
        raise ScenarioError(f"{where} is a share of requests between 0 and 1, not {value!r}")
    return rate


def integer(value: Any, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(f"{where} must be an integer of at least {minimum}, not {value!r}")
    return value


def mapping(value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a mapping, not {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ScenarioError(f"{where} has unknown keys {unknown}; allowed: {list(allowed)}")
    return value
