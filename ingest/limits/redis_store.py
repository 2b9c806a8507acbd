"""The Redis store of limiter state: key layout, and the Lua scripts that do the atomic work.

Keys, under a prefix (default ``ingest:limits``):

    <prefix>:index                                  set of every state key below (for snapshots)
    <prefix>:kept_since                             the server time this Redis began to keep
                                                    the limiter's data (never expires)
    <prefix>:known:<limit key>:log                  sorted set: one entry per grant, scored by
                                                    grant time ("g<n>" granted, "b<n>" assumed
                                                    at boot, "p<n>" added by reconciliation)
    <prefix>:known:<limit key>:state                hash: last grant, seq, host, limit, span,
                                                    adopts, advertised (the API's limit for
                                                    this window), api_limit (one it stated
                                                    for another), blocked_until, granted, denied,
                                                    refusals, reconciled,
                                                    booted, probing (awaits a probe's answer
                                                    after lost counts), probe_at, probe_until
    <prefix>:adaptive:<source>:<host>               hash: curve (name, curve_rate, curve_peak,
                                                    curve_since, curve_strikes, version),
                                                    curve_spent, curve_sustained, curve_pause),
                                                    last_success, tat, rate (paced at), used,
                                                    used_at, served, served_at, in_flight,
                                                    in_flight_cap, in_flight_limit,
                                                    in_flight_served, flight_seq, latency_min,
                                                    latency_avg, blocked_until,
                                                    granted, denied, refusals, calls_<outcome>
    <prefix>:adaptive:<source>:<host>:flight        sorted set: the grants not yet answered,
                                                    scored by grant time (not in the index)

``<limit key>`` is ``<source>:w<window>:<factor>=<value>...``, the credential as a digest
(see ``known.limit_key``). Every key but `kept_since` expires a few windows after its last use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.limits.known import LimitTerms
from ingest.storage.redis_scripts import register_scripts

SCRIPTS = ("known_acquire", "known_grant", "known_observe", "adaptive_acquire", "adaptive_observe")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _pairs(items: Sequence) -> dict[str, str]:
    return {_text(items[i]): _text(items[i + 1]) for i in range(0, len(items) - 1, 2)}


def _arg(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _flag(value: bool) -> str:
    return "1" if value else "0"


@dataclass(frozen=True)
class KnownReply:
    granted: bool
    wait: float
    now: float
    reason: str
    refused_by: int | None  # index into the terms that refused, None when granted


@dataclass(frozen=True)
class AdaptiveReply:
    """A script's answer: `fields` is the whole stored state when `stale`, else empty."""

    granted: bool
    wait: float
    now: float
    reason: str
    stale: bool = False
    fields: dict | None = None
    version: str | None = None
    count: int = 0                    # permits granted by this answer
    paced: float | None = None        # the rate the store paced at, within its caps
    in_flight: int = 0
    in_flight_cap: int | None = None
    served: float | None = None       # successes per second lately (see goodput.py)
    last_success: float | None = None  # the latest success any worker observed


@dataclass(frozen=True)
class Pacing:
    """The store's caps on an adaptive rate (see adaptive_acquire.lua); the defaults cap nothing."""

    headroom: float | None = None     # at most this times the rate granted lately
    floor: float = 1.0                # calls per second the usage cap never goes under
    usage_period: float = 2.0         # seconds over which the rate granted lately is averaged
    in_flight_horizon: float = 5.0    # a grant never answered stops counting after this long
    in_flight_slack: float | None = None  # at most this times rate x least latency in flight
    least_in_flight: int = 4


class RedisLimitStore:
    """Runs the limiter's Lua scripts against one Redis; knows keys, not rules."""

    def __init__(self, client, prefix: str = "ingest:limits") -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")
        self._scripts = register_scripts(client, __package__, SCRIPTS, prelude="common.lua")

    # keys

    @property
    def index_key(self) -> str:
        return f"{self.prefix}:index"

    @property
    def kept_since_key(self) -> str:
        return f"{self.prefix}:kept_since"

    def known_keys(self, terms: LimitTerms) -> tuple[str, str]:
        base = f"{self.prefix}:known:{terms.key}"
        return f"{base}:log", f"{base}:state"

    def adaptive_key(self, source: str, host: str) -> str:
        return f"{self.prefix}:adaptive:{source}:{host}"

    # known limits

    def _known_call(self, terms: Sequence[LimitTerms], header: list[str]) -> tuple[list[str], list[str]]:
        """KEYS and ARGV of the acquire and grant scripts: the script's own `header`
        arguments, then each limit's keys and terms."""
        keys, args = [self.index_key, self.kept_since_key], list(header)
        for limit in terms:
            keys.extend(self.known_keys(limit))
            args.extend([str(limit.capacity), repr(limit.span), repr(limit.spacing), repr(limit.ttl),
                         _flag(limit.adopts), limit.cold_start, repr(limit.probe_deadline)])
        return keys, args

    def known_acquire(self, terms: Sequence[LimitTerms], host: str, now: float | None) -> KnownReply:
        keys, args = self._known_call(terms, [_arg(now), host])
        granted, wait, at, reason, which = self._scripts["known_acquire"](keys=keys, args=args)
        which = int(which)
        return KnownReply(bool(int(granted)), float(_text(wait)), float(_text(at)), _text(reason),
                          which - 1 if which else None)

    def known_grant(self, terms: Sequence[LimitTerms], host: str, count: int, catch_up: float,
                    now: float | None) -> tuple[float, int, float, str]:
        """Up to `count` permits now: (now, how many were granted, wait before one more, its reason)."""
        keys, args = self._known_call(terms, [_arg(now), host, str(int(count)), repr(float(catch_up))])
        at, granted, wait, reason = self._scripts["known_grant"](keys=keys, args=args)
        return float(_text(at)), int(granted), float(_text(wait)), _text(reason)

    def known_observe(self, terms: Sequence[LimitTerms], applies: Sequence[bool],
                      advertises: Sequence[bool], host: str, outcome: str, limit: float | None,
                      remaining: float | None, reset_after: float | None,
                      retry_after: float | None, sent_at: float | None,
                      in_flight_horizon: float, now: float | None) -> int:
        """Reconcile; returns how many placeholder entries were added in all. `applies`: the
        reading's limit and remaining describe the limit; `advertises`: its limit is stated for
        the limit's own window (and so may be adopted)."""
        keys = [self.index_key, self.kept_since_key]
        args = [_arg(now), host, outcome, _arg(limit), _arg(remaining), _arg(reset_after),
                _arg(retry_after), _arg(sent_at), repr(in_flight_horizon)]
        for limit_terms, applied, advertised in zip(terms, applies, advertises):
            keys.extend(self.known_keys(limit_terms))
            args.extend([str(limit_terms.capacity), repr(limit_terms.span),
                         repr(limit_terms.spacing), repr(limit_terms.window),
                         repr(limit_terms.ttl), _flag(applied), _flag(limit_terms.adopts),
                         _flag(advertised), limit_terms.cold_start])
        _, added = self._scripts["known_observe"](keys=keys, args=args)
        return int(added)

    # adaptive rates

    def flight_key(self, key: str) -> str:
        return f"{key}:flight"

    def adaptive_acquire(self, key: str, host: str, version: str, rate: float, burst: float,
                         ttl: float, now: float | None, count: int = 1,
                         pacing: Pacing | None = None, catch_up: float = 0.0) -> AdaptiveReply:
        """Up to `count` permits at `rate` (GCRA), within `pacing`'s caps when given, with the
        permits of the last `catch_up` seconds that went unused."""
        caps = pacing or Pacing()
        reply = self._scripts["adaptive_acquire"](
            keys=[self.index_key, key, self.flight_key(key)],
            args=[_arg(now), version, repr(rate), repr(burst), repr(ttl), host, str(int(count)),
                  _arg(caps.headroom), repr(caps.floor), repr(caps.usage_period),
                  repr(caps.in_flight_horizon), _arg(caps.in_flight_slack), str(caps.least_in_flight),
                  repr(float(catch_up))])
        if _text(reply[0]) == "stale":
            return AdaptiveReply(False, 0.0, float(_text(reply[1])), "stale", True, _pairs(reply[2:]))
        granted, wait, at, reason, paced, in_flight, cap, last_success = reply
        return AdaptiveReply(int(granted) > 0, float(_text(wait)), float(_text(at)), _text(reason),
                             count=int(granted), paced=float(_text(paced)), in_flight=int(in_flight),
                             in_flight_cap=int(cap) if int(cap) >= 0 else None,
                             last_success=float(_text(last_success)) if _text(last_success) else None)

    def adaptive_paced(self, key: str) -> float | None:
        """The rate the store last paced an adaptive (source, host) at, for every worker."""
        value = self.client.hget(key, "rate")
        return float(_text(value)) if value is not None else None

    def adaptive_observe(self, key: str, host: str, *, outcome: str, retry_after: float | None,
                         succeeded: bool, ttl: float, idle_grace: float,
                         expected_version: str | None, fields: dict[str, str] | None,
                         now: float | None, sent_at: float | None = None,
                         latency: float | None = None, drift: float = 0.01,
                         served_period: float = 10.0) -> AdaptiveReply:
        args = [_arg(now), outcome, _arg(retry_after), "1" if succeeded else "0", repr(ttl),
                host, repr(idle_grace), _arg(sent_at), _arg(latency), repr(drift),
                repr(served_period), expected_version or ""]
        for name, value in (fields or {}).items():
            args.extend([name, value])
        reply = self._scripts["adaptive_observe"](keys=[self.index_key, key, self.flight_key(key)],
                                                  args=args)
        written, at = bool(int(reply[0])), float(_text(reply[1]))
        if written:
            declined = len(reply) > 4
            return AdaptiveReply(True, 0.0, at, "declined" if declined else "written",
                                 version=_text(reply[2]), served=float(_text(reply[3])))
        return AdaptiveReply(False, 0.0, at, "stale", True, _pairs(reply[2:]))

    # reading, for snapshots

    def server_time(self) -> float:
        seconds, micros = self.client.time()
        return float(seconds) + float(micros) / 1e6

    def states(self) -> dict[str, dict[str, str]]:
        """Every state hash in the index, by key; keys that expired leave the index."""
        keys = sorted(_text(key) for key in self.client.smembers(self.index_key))
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        found: dict[str, dict[str, str]] = {}
        gone = []
        for key, raw in zip(keys, pipe.execute()):
            if raw:
                found[key] = {_text(name): _text(value) for name, value in raw.items()}
            else:
                gone.append(key)
        if gone:
            self.client.srem(self.index_key, *gone)
        return found

    def log_counts(self, state_keys: Sequence[str], spans: Sequence[float], now: float) -> list[tuple[int, float | None]]:
        """For each known limit: entries in its log's span, and when the oldest one leaves."""
        pipe = self.client.pipeline(transaction=False)
        for state_key, span in zip(state_keys, spans):
            log_key = state_key.removesuffix(":state") + ":log"
            pipe.zcount(log_key, f"({now - span!r}", "+inf")
            pipe.zrangebyscore(log_key, f"({now - span!r}", "+inf", start=0, num=1, withscores=True)
        replies = pipe.execute()
        result = []
        for i, span in enumerate(spans):
            count, oldest = replies[2 * i], replies[2 * i + 1]
            result.append((int(count), float(oldest[0][1]) + span if oldest else None))
        return result
