"""The hidden limits of a scenario: their shapes, their keys, and the figures they work with
once the scenario's `time_scale` and `limit_scale` are applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.scenario_values import ScenarioError, integer, mapping, number

SCOPES = ("credential", "ip", "global")
SHAPES = ("fixed_window", "sliding_window", "token_bucket", "concurrency")
COMMON_KEYS = ("shape", "scope", "status", "routes", "slowdown")
SHAPE_KEYS = {
    "fixed_window": ("limit", "window"),
    "sliding_window": ("limit", "window"),
    "token_bucket": ("rate", "burst"),
    "concurrency": ("limit",),
}
SHAPE_EXAMPLES = {
    "fixed_window": "{shape: fixed_window, limit: 600, window: 10}",
    "sliding_window": "{shape: sliding_window, limit: 600, window: 10}",
    "token_bucket": "{shape: token_bucket, rate: 60, burst: 120}",
    "concurrency": "{shape: concurrency, limit: 8}",
}


@dataclass(frozen=True)
class HiddenRule:
    limit: int = 0
    window: float = 0.0
    scope: str = "global"
    statuses: tuple[int, ...] = (429,)
    shape: str = "fixed_window"
    rate: float = 0.0
    burst: int = 0
    routes: tuple[str, ...] = ()
    slowdown: float = 0.0

    def applies_to(self, route_path: str) -> bool:
        """Whether this rule counts and refuses requests to the route (a path within the API)."""
        return not self.routes or route_path.startswith(self.routes)

    @property
    def identity(self) -> tuple:
        """What must stay the same across a scenario change for the rule's state to carry over."""
        return self.shape, self.scope, self.routes


@dataclass(frozen=True)
class Figures:
    """A rule's figures after scaling: counts at least 1, windows and rates in sandbox seconds."""

    limit: int
    window: float
    rate: float
    burst: int

    @classmethod
    def of(cls, rule: HiddenRule, time_scale: float, limit_scale: float) -> "Figures":
        def count(value: int) -> int:
            return max(1, round(value * limit_scale)) if value else 0

        return cls(limit=count(rule.limit), window=rule.window / time_scale,
                   rate=rule.rate * time_scale * limit_scale, burst=count(rule.burst))


def scope_key(scope: str, credential: str | None, client: str) -> tuple[tuple, bool]:
    """The key one request counts under, and whether it counts as anonymous."""
    if scope == "global":
        return ("global",), False
    if scope == "credential" and credential is not None:
        return ("credential", credential), False
    return ("ip", client), scope == "credential"


def route_prefixes(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
        raise ScenarioError(f"{where} must be a list of path prefixes within the API, e.g. [\"/v0/item/\"]")
    return tuple(value)


def scope_of(value: Any, where: str) -> str:
    if value not in SCOPES:
        raise ScenarioError(f"{where} must be one of {list(SCOPES)}, not {value!r}")
    return value


def _statuses(value: Any, where: str) -> tuple[int, ...]:
    statuses = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(statuses, list) or not statuses or any(s not in (429, 503) for s in statuses):
        raise ScenarioError(f"{where} must be 429, 503 or a list of them")
    return tuple(statuses)


def _shape(entry: dict[str, Any], here: str) -> str:
    shape = entry.get("shape", "fixed_window")
    if shape not in SHAPES:
        raise ScenarioError(f"{here}.shape must be one of {list(SHAPES)}, not {shape!r}")
    needed = SHAPE_KEYS[shape]
    foreign = sorted(set(entry) - set(COMMON_KEYS + needed))
    if foreign:
        raise ScenarioError(f"{here}: a {shape} takes {', '.join(needed)}, not {', '.join(foreign)}; "
                            f"e.g. {SHAPE_EXAMPLES[shape]}")
    missing = [key for key in needed if key not in entry]
    if missing:
        raise ScenarioError(f"{here} is a {shape} and needs {', '.join(missing)}, "
                            f"e.g. {SHAPE_EXAMPLES[shape]}")
    return shape


def hidden_rule(entry: Any, here: str) -> HiddenRule:
    entry = mapping(entry, here, COMMON_KEYS + ("limit", "window", "rate", "burst"))
    shape = _shape(entry, here)
    return HiddenRule(
        shape=shape,
        limit=integer(entry["limit"], f"{here}.limit") if "limit" in entry else 0,
        window=number(entry["window"], f"{here}.window", minimum=0.001) if "window" in entry else 0.0,
        rate=number(entry["rate"], f"{here}.rate", minimum=1e-6) if "rate" in entry else 0.0,
        burst=integer(entry["burst"], f"{here}.burst") if "burst" in entry else 0,
        scope=scope_of(entry.get("scope", "global"), f"{here}.scope"),
        statuses=_statuses(entry.get("status", [429]), f"{here}.status"),
        routes=route_prefixes(entry.get("routes", []), f"{here}.routes"),
        slowdown=number(entry.get("slowdown", 0.0), f"{here}.slowdown"),
    )


def hidden_rules(value: Any, where: str) -> tuple[HiddenRule, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} must be a list")
    return tuple(hidden_rule(entry, f"{where}[{index}]") for index, entry in enumerate(value))
