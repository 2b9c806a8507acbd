"""Permit latency of the limiter against a bare Redis round trip (PING), in the same run.

Starts its own redis-server on a free loopback port, then times, one call at a time:
  PING                                  the baseline: one round trip
  known acquire, granted (3 limits)     injected clock stepping so every call is granted
  known acquire, refused (3 limits)     Redis's clock, permits mostly refused
  adaptive acquire                      Redis's clock, rate computed from the cached curve
and prints p50 and p99 of each, and their ratios to PING's.

    .venv/bin/python bench/limits_permit_latency.py [calls]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.limits import KnownLimit, Limiter, LimitScope  # noqa: E402
from tests.private_redis import start_redis  # noqa: E402

KNOWN = (KnownLimit(3000, 300.0, ("host", "ip")), KnownLimit(300, 300.0, ("host", "credential")),
         KnownLimit(100, 60.0, ("host",), group="search"))


def timed(call, calls: int) -> list[float]:
    for _ in range(min(200, calls)):
        call()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as directory:
        process, client = start_redis(directory)
        try:
            limiter = Limiter(client, prefix="bench:limits")
            known = LimitScope(source="mastodon", host="m.example", credential="bench",
                               group="search", known=KNOWN)
            crowded = LimitScope(source="bsky", host="b.example", credential="bench",
                                 group="search", known=KNOWN)
            adaptive = LimitScope(source="hn", host="hn.example")
            clock = [1_000_000.0]

            def granted_known():
                clock[0] += 0.61
                return limiter.acquire(known, now=clock[0])

            limiter.acquire(known, now=clock[0])
            clock[0] += 400.0  # past the assumed-full logs of a new Redis
            results = {
                "PING (baseline)": timed(client.ping, calls),
                "known acquire, granted (3 limits)": timed(granted_known, calls),
                "known acquire, refused (3 limits)": timed(lambda: limiter.acquire(crowded), calls),
                "adaptive acquire": timed(lambda: limiter.acquire(adaptive), calls),
            }
        finally:
            process.terminate()
            process.wait(timeout=10)
    base50, base99 = percentile(results["PING (baseline)"], 0.5), percentile(results["PING (baseline)"], 0.99)
    print(f"{calls} calls each, one at a time, to a loopback redis-server (redis-py {redis.__version__})")
    print(f"{'operation':36} {'p50 us':>8} {'p99 us':>8} {'p50/PING':>9} {'p99/PING':>9} {'mean us':>8}")
    for name, samples in results.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(f"{name:36} {p50 * 1e6:8.0f} {p99 * 1e6:8.0f} {p50 / base50:9.2f} {p99 / base99:9.2f} "
              f"{statistics.fmean(samples) * 1e6:8.0f}")


if __name__ == "__main__":
    main()
