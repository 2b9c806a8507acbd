"""The limit types the limits package owns and connectors fill in: published limits and the
readings of an API's rate-limit headers. Plain values, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass

# What a counter of a published limit can be keyed on.
LIMIT_FACTORS = ("host", "credential", "ip", "group")


@dataclass(frozen=True)
class LimitReading:
    """An API's rate-limit headers in one shape. Times are seconds, relative to `now`."""

    limit: float | None = None
    remaining: float | None = None
    reset_after: float | None = None
    retry_after: float | None = None
    window: float | None = None


@dataclass(frozen=True)
class KnownLimit:
    """A published limit: `requests` per `window` seconds, counted per each of `per`.

    `per` names the factors a counter is keyed on, from LIMIT_FACTORS.
    `group` None means every endpoint group of the host shares the counter.
    `explicit`: set by the user (a pull's `limits=`). A limit that is not explicit is only the
    default until the API advertises its own for the same window, which then replaces it,
    higher or lower; an explicit one is never raised by what the API advertises, only bounded.
    `reported`: the API states remaining and reset on every answer, so a limit whose counts
    were lost starts from one probe call's answer instead of a fail-safe wait.
    """

    requests: float
    window: float
    per: tuple[str, ...] = ("host",)
    group: str | None = None
    explicit: bool = False
    reported: bool = False
