"""Rate limits in words, and what a limiter snapshot says about the next call under one.

Every view that names a limit (the job view, the progress bar, `job.status()`, `ingest show`)
takes its words from here, so a limit reads the same everywhere: "60 per hour without a
credential", "300 per 5 minutes per address".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ingest.limits.known import limit_key
from ingest.limits.scope import LimitScope
from ingest.limits.types import KnownLimit

NAMED_WINDOWS = ((86400.0, "day"), (3600.0, "hour"), (60.0, "minute"), (1.0, "second"))


def window_words(seconds: float) -> str:
    """'hour', '5 minutes', '90 s': a window as a person says it."""
    for unit, name in NAMED_WINDOWS:
        if seconds == unit:
            return name
        if seconds > unit and seconds % unit == 0 and unit > 1.0:
            return f"{seconds / unit:g} {name}s"
    return f"{seconds:g} s"


def span_words(seconds: float) -> str:
    """'1 hour', '30 minutes', '0.72 s': a stretch of time, its count always said."""
    words = window_words(seconds)
    return words if words[0].isdigit() else f"1 {words}"


def limit_words(requests: float, window: float) -> str:
    """'60 per hour', '5,000 per hour', '300 per 5 minutes'."""
    return f"{requests:,.0f} per {window_words(window)}"


def counted_words(limit: KnownLimit, credentials: int) -> str:
    """How a limit is counted, for a pull with this many credentials: 'without a credential',
    'per credential', 'per credential, 3 credentials', 'per address', or ''."""
    if "credential" in limit.per:
        if credentials == 0:
            return "without a credential"
        return "per credential" + (f", {credentials} credentials" if credentials > 1 else "")
    if "ip" in limit.per:
        return "per address"
    return ""


def limit_text(limit: KnownLimit, credentials: int, requests: float | None = None) -> str:
    """One limit in words: its calls per window (`requests` when the API stated another
    number than the limit's own) and how they are counted."""
    counted = counted_words(limit, credentials)
    words = limit_words(limit.requests if requests is None else requests, limit.window)
    return f"{words} {counted}" if counted else words


@dataclass(frozen=True)
class NextCall:
    """When a limit lets the next call go, as a limiter snapshot tells it."""

    seconds: float         # from the snapshot's moment
    cause: str             # in words
    requests: float | None = None  # the calls per window in force, when the limiter counted any
    stated_by_api: bool = False    # that number is the API's, not the published one
    at_most: bool = False  # `seconds` is an upper bound: calls go out one spacing apart


def known_next_call(entry: Mapping[str, Any], scopes: Sequence[LimitScope]) -> tuple[KnownLimit, NextCall] | None:
    """The limit of `scopes` (one per credential of a pull) that holds the next call longest,
    and when that call goes, from `entry` (`Limiter.snapshot()[source][host]`); None when the
    limiter has counted no call under them yet."""
    counted = {limit["key"]: limit for limit in entry.get("limits", ())}
    found: list[tuple[KnownLimit, NextCall]] = []
    for scope in scopes:
        for limit in scope.known:
            state = counted.get(limit_key(scope, limit))
            if state is not None:
                found.append((limit, _next_under(state)))
    return max(found, key=lambda pair: pair[1].seconds) if found else None


def _next_under(state: Mapping[str, Any]) -> NextCall:
    requests = float(state["limit"])
    window = float(state["window"]) or 1.0
    stated = state.get("set_by") == "api"
    if state.get("blocked_for", 0.0) > 0:
        return NextCall(float(state["blocked_for"]), "the API asked to wait (Retry-After)", requests, stated)
    if state.get("remaining", 1) <= 0:
        return NextCall(float(state.get("reset") or 0.0),
                        f"the {limit_words(requests, window)} are used up", requests, stated)
    spacing = window / max(requests, 1.0)
    return NextCall(spacing, f"calls go out {span_words(spacing)} apart", requests, stated, at_most=True)


def adaptive_next_call(entry: Mapping[str, Any]) -> NextCall:
    """When the next call goes under an adaptive rate, as things stand (the rate changes)."""
    paused = max(float(entry.get("paused_for") or 0.0), float(entry.get("blocked_for") or 0.0))
    if paused > 0:
        return NextCall(paused, "pausing after the API refused a call")
    rate = entry.get("paced") or entry.get("rate")
    if rate:
        return NextCall(1.0 / float(rate), f"calls go out at {float(rate):.3g} per second for now", at_most=True)
    return NextCall(0.0, "the first calls find the rate", at_most=True)
