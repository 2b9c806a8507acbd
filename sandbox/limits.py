"""Fixed-window request counting for published and hidden rate limits.

Windows are aligned to multiples of their length on the sandbox clock (as Mastodon's reset
times fall on round five-minute marks). Every request counts, refused ones included.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.scenario import HiddenRule, RateRule, Scenario


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


class WindowCounters:
    """Counts per key in aligned fixed windows."""

    def __init__(self) -> None:
        self._counts: dict[tuple, list] = {}

    def clear(self) -> None:
        self._counts.clear()

    def hit(self, key: tuple, window: float, now: float) -> tuple[int, float]:
        """Count one request; return the count in the current window and the window's end."""
        start = (now // window) * window
        entry = self._counts.get(key)
        if entry is None or entry[0] != start:
            entry = [start, 0]
            self._counts[key] = entry
        entry[1] += 1
        return entry[1], start + window


def _scope_key(scope: str, credential: str | None, client: str) -> tuple[tuple, bool]:
    """The key one request counts under, and whether it counts as anonymous."""
    if scope == "global":
        return ("global",), False
    if scope == "credential" and credential is not None:
        return ("credential", credential), False
    return ("ip", client), scope == "credential"


class Limiter:
    """Applies a scenario's published and hidden limits to requests."""

    def __init__(self) -> None:
        self.counters = WindowCounters()
        self._hidden_turn = 0

    def reset(self) -> None:
        self.counters.clear()
        self._hidden_turn = 0

    def check(self, api: str, scenario: Scenario, credential: str | None, client: str,
              now: float, wall_now: float) -> Verdict:
        settings = scenario.api(api)
        hidden_status = None
        for index, rule in enumerate(settings.hidden_limits):
            state = self._count(("hidden", api, index), rule, scenario, credential, client, now, wall_now)
            if state.exceeded and hidden_status is None:
                hidden_status = rule.statuses[self._hidden_turn % len(rule.statuses)]
                self._hidden_turn += 1
        reported = None
        refused = False
        for index, rule in enumerate(settings.rate_limits):
            state = self._count(("published", api, index), rule, scenario, credential, client, now, wall_now)
            refused = refused or state.exceeded
            if reported is None or state.remaining < reported.remaining:
                reported = state
        return Verdict(reported, refused, hidden_status)

    def _count(self, prefix: tuple, rule: RateRule | HiddenRule, scenario: Scenario,
               credential: str | None, client: str, now: float, wall_now: float) -> WindowState:
        scope_key, anonymous = _scope_key(rule.scope, credential, client)
        limit = rule.limit
        if anonymous and isinstance(rule, RateRule) and rule.anonymous_limit is not None:
            limit = rule.anonymous_limit
        window = scenario.window(rule.window)
        used, window_end = self.counters.hit(prefix + scope_key, window, now)
        reset_in = max(0.0, window_end - now)
        return WindowState(scenario.limit(limit), used, window, reset_in, wall_now + reset_in)
