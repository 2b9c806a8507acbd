"""Fixed-window request counting for published rate limits, beside the hidden limits.

Windows are aligned to multiples of their length on the sandbox clock (as Mastodon's reset
times fall on round five-minute marks). Every request counts, refused ones included.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.hidden_limits import HiddenLimits, Passage
from sandbox.hidden_rules import scope_key
from sandbox.scenario import RateRule, Scenario
from sandbox.windows import WindowCounters


@dataclass(frozen=True)
class WindowState:
    """Where one counter stands after a request: what the rate-limit headers report."""

    limit: int
    used: int
    window: float
    reset_in: float
    reset_at: float  # wall-clock epoch seconds

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


@dataclass(frozen=True)
class Verdict:
    """The outcome of the published limits (the one to report) and of the hidden ones."""

    published: WindowState | None
    refused: bool
    hidden_status: int | None


class Limiter:
    """Applies a scenario's published and hidden limits to requests."""

    def __init__(self) -> None:
        self.counters = WindowCounters()
        self.hidden = HiddenLimits()

    def reset(self) -> None:
        """Every count and every hidden rule's state back to unused."""
        self.counters.clear()
        self.hidden.forget()

    def apply(self, scenario: Scenario, now: float) -> None:
        """A new scenario: published windows start afresh; hidden rules keep what carries over."""
        self.counters.clear()
        self.hidden.apply(scenario, now)

    def check(self, api: str, scenario: Scenario, credential: str | None, client: str,
              now: float, wall_now: float, route_path: str, passage: Passage) -> Verdict:
        """Judge a request that passed the concurrency rules on arrival (`passage`) by the
        other hidden rules and by the published ones (which count it either way)."""
        settings = scenario.api(api)
        self.hidden.judge(passage, api, scenario, route_path, credential, client, now)
        reported = None
        refused = False
        for index, rule in enumerate(settings.rate_limits):
            state = self._count(("published", api, index), rule, scenario, credential, client, now, wall_now)
            refused = refused or state.exceeded
            if reported is None or state.remaining < reported.remaining:
                reported = state
        return Verdict(reported, refused, passage.status)

    def _count(self, prefix: tuple, rule: RateRule, scenario: Scenario,
               credential: str | None, client: str, now: float, wall_now: float) -> WindowState:
        key, anonymous = scope_key(rule.scope, credential, client)
        limit = rule.limit
        if anonymous and rule.anonymous_limit is not None:
            limit = rule.anonymous_limit
        window = scenario.window(rule.window)
        used, window_end = self.counters.hit(prefix + key, window, now)
        reset_in = max(0.0, window_end - now)
        return WindowState(scenario.limit(limit), used, window, reset_in, wall_now + reset_in)
