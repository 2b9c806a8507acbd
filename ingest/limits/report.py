"""The limiter's state as a plain dict, per source and host, for `ingest status` and notebooks."""

from __future__ import annotations

from collections.abc import Callable

from ingest.limits.known import allowed_calls
from ingest.limits.redis_store import RedisLimitStore


def build_snapshot(store: RedisLimitStore, adaptive_rate: Callable[[dict, float], float | None],
                   guard: float, now: float, source: str | None = None) -> dict:
    """{source: {host: entry}}; every entry has mode, rate (calls per second), limit,
    remaining, reset (seconds until a call frees up), refusals (calls the API refused for its
    rate limit), granted, denied (asks our limiter refused: paced, normal), blocked_for (seconds of
    Retry-After left); known entries also list their `limits`, and say the `configured` limit,
    the one the API `advertised` for its window (None when it said none), and whose number is in
    force (`set_by`: "api", "user" for a pull's `limits=`, "default" for the connector's).
    Adaptive entries say the curve's `rate` and the rate `paced` at within its caps, calls
    `in_flight` and their cap, the `sustained` rate of the last congestion epoch, the least and
    average latency, and `paused_for` (seconds left of the pause after a refusal)."""
    known_prefix = f"{store.prefix}:known:"
    adaptive_prefix = f"{store.prefix}:adaptive:"
    known: list[tuple[str, str, dict]] = []
    result: dict[str, dict[str, dict]] = {}
    for key, fields in store.states().items():
        if key.startswith(known_prefix):
            name = key[len(known_prefix):].removesuffix(":state")
            known.append((key, name, fields))
        elif key.startswith(adaptive_prefix):
            name = key[len(adaptive_prefix):]
            entry = _adaptive_entry(fields, adaptive_rate, now)
            result.setdefault(name.split(":", 1)[0], {})[fields.get("host", "")] = entry
    counts = store.log_counts([key for key, _, _ in known],
                              [float(fields.get("span", 0) or 0) for _, _, fields in known], now)
    for (_, name, fields), (count, reset_at) in zip(known, counts):
        hosts = result.setdefault(name.split(":", 1)[0], {})
        host = fields.get("host", "")
        entry = hosts.setdefault(host, _empty("known"))
        if entry["mode"] == "adaptive":  # the same source and host also ran without a known limit
            entry = hosts[host] = {**_empty("known"), "adaptive": entry}
        entry["limits"].append(_known_limit(name, fields, count, reset_at, guard, now))
    for hosts in result.values():
        for entry in hosts.values():
            if entry["mode"] == "known":
                _summarise_known(entry)
    if source is not None:
        return {source: result.get(source, {})}
    return result


def _empty(mode: str) -> dict:
    return {"mode": mode, "rate": None, "limit": None, "configured": None, "advertised": None,
            "set_by": None, "remaining": None, "reset": None,
            "refusals": 0, "granted": 0, "denied": 0, "blocked_for": 0.0,
            "limits": []}


def _int(fields: dict, name: str) -> int:
    return int(fields.get(name) or 0)


def _refusals(fields: dict) -> int:
    # A state written before the field was named refusals counted the same refusals as throttles.
    return _int(fields, "refusals") + _int(fields, "throttles")


def _blocked_for(fields: dict, now: float) -> float:
    return max(0.0, float(fields.get("blocked_until") or 0.0) - now)


def _number(fields: dict, name: str) -> float | None:
    return float(fields[name]) if fields.get(name) else None


def _known_limit(name: str, fields: dict, count: int, reset_at: float | None, guard: float,
                 now: float) -> dict:
    configured = int(float(fields.get("limit") or 0))
    advertised = _number(fields, "advertised")
    bound = _number(fields, "api_limit")
    adopts = fields.get("adopts", "1") == "1"
    capacity = allowed_calls(configured, advertised, bound, adopts)
    if not adopts and capacity == configured:
        set_by = "user"
    elif capacity in {int(value) for value in (advertised, bound) if value is not None}:
        set_by = "api"
    else:
        set_by = "default"
    window = float(fields.get("span") or 0.0) / (1.0 + guard)
    return {
        "key": name, "limit": capacity, "window": window, "configured": configured,
        "advertised": int(advertised) if advertised is not None else None,
        "set_by": set_by,
        "rate": capacity / window if window else None,
        "remaining": max(0, capacity - count),
        "reset": max(0.0, reset_at - now) if reset_at is not None else 0.0,
        "refusals": _refusals(fields), "granted": _int(fields, "granted"),
        "denied": _int(fields, "denied"),
        "reconciled": _int(fields, "reconciled"),
        "blocked_for": _blocked_for(fields, now),
    }


def _summarise_known(entry: dict) -> None:
    """The host's figures are those of its tightest limit; counters the largest of any."""
    limits = sorted(entry["limits"], key=lambda limit: (limit["remaining"], -limit["reset"]))
    entry["limits"] = sorted(entry["limits"], key=lambda limit: limit["key"])
    tightest = limits[0]
    for name in ("rate", "limit", "configured", "advertised", "set_by", "remaining", "reset"):
        entry[name] = tightest[name]
    for name in ("refusals", "granted", "denied"):
        entry[name] = max(limit[name] for limit in limits)
    entry["blocked_for"] = max(limit["blocked_for"] for limit in limits)


def _adaptive_entry(fields: dict, adaptive_rate: Callable[[dict, float], float | None],
                    now: float) -> dict:
    entry = _empty("adaptive")
    del entry["limits"]
    entry.update(
        rate=adaptive_rate(fields, now),
        refusals=_refusals(fields), granted=_int(fields, "granted"),
        denied=_int(fields, "denied"), blocked_for=_blocked_for(fields, now),
        curve=fields.get("curve"), strikes=_int(fields, "curve_strikes"),
        paced=_number(fields, "rate"), in_flight=_int(fields, "in_flight"),
        in_flight_cap=_number(fields, "in_flight_cap") if _int(fields, "in_flight_cap") >= 0 else None,
        sustained=_number(fields, "curve_sustained"),
        latency_min=_number(fields, "latency_min"), latency_avg=_number(fields, "latency_avg"),
        paused_for=max(0.0, float(fields.get("curve_since") or 0.0)
                       + float(fields.get("curve_pause") or 0.0) - now),
        calls={name.removeprefix("calls_"): int(value)
               for name, value in fields.items() if name.startswith("calls_")},
    )
    return entry
