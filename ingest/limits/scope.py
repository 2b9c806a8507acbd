"""What the limiter is asked about and what it answers: scopes, permits, outcomes, overrides."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from ingest.errors import ParameterError
from ingest.limits.types import LIMIT_FACTORS, KnownLimit

ANONYMOUS = "anonymous"


class Outcome(str, Enum):
    """How one call ended, as far as rate limits are concerned."""

    OK = "ok"
    THROTTLED = "throttled"      # 429, or any answer that says "slow down"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"  # 503
    ERROR = "error"              # any other failure; not a sign of a limit

    @property
    def is_limit_signal(self) -> bool:
        """True for the outcomes that suggest an unpublished limit was hit."""
        return self in (Outcome.THROTTLED, Outcome.TIMEOUT, Outcome.UNAVAILABLE)


def outcome_for_status(status: int | None, *, timed_out: bool = False) -> Outcome:
    """The outcome of an HTTP answer (None and timed_out: no answer came in time)."""
    if timed_out:
        return Outcome.TIMEOUT
    if status is None:
        return Outcome.ERROR
    if status == 429:
        return Outcome.THROTTLED
    if status == 503:
        return Outcome.UNAVAILABLE
    return Outcome.OK if status < 400 else Outcome.ERROR


class Reason(str, Enum):
    """Why a permit was granted or refused."""

    GRANTED = "granted"
    WINDOW = "window"            # a known limit's window is full
    SPACING = "spacing"          # too soon after the previous call under a known limit
    RETRY_AFTER = "retry_after"  # the API asked to wait (Retry-After), for everyone
    RATE = "rate"                # the adaptive rate of an unknown limit
    PROBE = "probe"              # a known limit's counts were lost: one call's answer awaited
    PAUSE = "pause"              # the adaptive rate's pause after a refusal, for everyone
    IN_FLIGHT = "in_flight"      # the adaptive rate's cap on calls not yet answered


@dataclass(frozen=True)
class Permit:
    """The answer of `Limiter.acquire`: a permit, or the seconds until one could be granted.

    A refused permit is pacing, not a failure: the call waits its turn (`wait` seconds at the
    least) and does not count as an attempt. A granted permit's `wait` is 0.
    `granted_at` is the limiter's clock at the grant; pass the permit back to
    `Limiter.observe` so that reconciliation knows which grants were still in flight when the
    API counted.
    """

    granted: bool
    wait: float
    reason: str
    granted_at: float | None = None


@dataclass(frozen=True)
class Grant:
    """The answer of `Limiter.grant`: permits granted now, and when one more could be.

    `granted_at` holds one moment per permit granted (at most the count asked for, possibly
    none), on the limiter's clock, which `now` gives; pass each back to `Limiter.observe`
    through a `Permit` of that moment (`permits()`). `wait` is the seconds until one more
    permit could be granted (for an adaptive rate: at its current rate; it may change before
    then); `reason` says what that wait is for."""

    granted_at: tuple[float, ...]
    wait: float
    now: float
    reason: str = Reason.GRANTED.value

    def permits(self) -> tuple[Permit, ...]:
        return tuple(Permit(True, 0.0, Reason.GRANTED.value, at) for at in self.granted_at)


@dataclass(frozen=True)
class LimitScope:
    """One call's place under the limits: who calls which host, and the limits that apply.

    `known` empty means the API publishes no limit: the adaptive rate per (source, host)
    applies. `ip` names the address the calls leave from; every worker of one machine
    shares it, so the default is one value for all.
    """

    source: str
    host: str
    credential: str | None = None
    group: str = "default"
    known: tuple[KnownLimit, ...] = ()
    ip: str = "local"

    def applicable(self) -> tuple[KnownLimit, ...]:
        """The known limits that count this call: those for every group and those for ours."""
        return tuple(limit for limit in self.known if limit.group in (None, self.group))

    def factor_value(self, factor: str) -> str:
        if factor == "host":
            return self.host
        if factor == "credential":
            return credential_digest(self.credential)
        if factor == "ip":
            return self.ip
        if factor == "group":
            return self.group
        raise ParameterError(f"unknown rate-limit factor {factor!r}; use one of {', '.join(LIMIT_FACTORS)}")


def scope_to_dict(scope: LimitScope) -> dict[str, Any]:
    """A scope as plain JSON-ready values (its credential by name, never a secret)."""
    return asdict(scope)


def scope_from_dict(values: Mapping[str, Any]) -> LimitScope:
    """The scope `scope_to_dict` wrote."""
    known = tuple(KnownLimit(**{**limit, "per": tuple(limit["per"])}) for limit in values.get("known", ()))
    return LimitScope(**{**values, "known": known})


def credential_digest(name: str | None) -> str:
    """A short stable digest of a credential name, so that keys never show the name."""
    if not name:
        return ANONYMOUS
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def known_limits_with_overrides(
    defaults: Sequence[KnownLimit], overrides: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
) -> tuple[KnownLimit, ...]:
    """The connector's documented limits with a pull's (or the settings') overrides applied.

    Formats of `overrides`:
      None                                   the defaults unchanged
      {"requests": 100, "window": 60.0}      change those fields of every default limit
                                             (with no defaults: one limit, per host)
      [{"requests": 100, "window": 60.0, "per": ["host", "credential"], "group": None}, ...]
                                             replace the defaults by exactly these limits
      []                                     no known limit: use the adaptive rate
    Keys of one limit: requests (> 0), window (seconds, > 0), per (factors, default
    ["host"]), group (an endpoint group, default None: all groups). Every limit made from
    overrides is explicit: the API's advertised limit bounds it but never raises it.
    """
    if overrides is None:
        return tuple(defaults)
    if isinstance(overrides, Mapping):
        if not defaults:
            return (_limit_from(overrides, None),)
        return tuple(_limit_from(overrides, limit) for limit in defaults)
    if isinstance(overrides, (str, bytes)) or not isinstance(overrides, Sequence):
        raise ParameterError("rate-limit overrides must be a dict, a list of dicts, or None")
    return tuple(_limit_from(entry, None) for entry in overrides)


_OVERRIDE_KEYS = {"requests", "window", "per", "group"}


def _limit_from(entry: Any, base: KnownLimit | None) -> KnownLimit:
    if not isinstance(entry, Mapping):
        raise ParameterError(f"a rate-limit override must be a dict, not {type(entry).__name__}")
    unknown = set(entry) - _OVERRIDE_KEYS
    if unknown:
        raise ParameterError(f"unknown rate-limit override key(s) {sorted(unknown)}; "
                             f"use {sorted(_OVERRIDE_KEYS)}")
    requests = _positive(entry, "requests", base.requests if base else None)
    window = _positive(entry, "window", base.window if base else None)
    per = entry.get("per", base.per if base else ("host",))
    if isinstance(per, str) or not all(factor in LIMIT_FACTORS for factor in per) or not per:
        raise ParameterError(f"rate-limit 'per' must list factors from {LIMIT_FACTORS}, got {per!r}")
    group = entry.get("group", base.group if base else None)
    if group is not None and not isinstance(group, str):
        raise ParameterError(f"rate-limit 'group' must be a string or None, got {group!r}")
    return KnownLimit(requests, window, tuple(per), group, explicit=True,
                      reported=base.reported if base else False)


def _positive(entry: Mapping[str, Any], key: str, default: float | None) -> float:
    value = entry.get(key, default)
    if value is None:
        raise ParameterError(f"rate-limit override needs {key!r} (a number above zero)")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ParameterError(f"rate-limit {key!r} must be a number above zero, got {value!r}")
    return float(value)
