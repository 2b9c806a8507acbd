"""Isolation: a throttled source does not slow another source down.

A Hacker News pull (500 items, one call each, 50 ms a call, its limit far away) runs alone,
then again beside a Mastodon pull with every status's context held by its limit to 5 calls a
second: each page's 40 contexts wait on the limiter, so the pull has tasks waiting the whole
time. Baseline, measured in the same run: the Hacker News pull alone. Target: beside the
throttled pull, Hacker News keeps at least 90 % of its alone throughput. The stack's own worker
layout, one process of 8 threads per source family: the two pulls run in separate pools and
share the machine's cores, RabbitMQ, Redis and the document store. A warm-up pull first, so
every measured pull finds the same records stored. The stack is its own (ports from 20600, data
in data/bench-isolation) and is stopped at the end.

Run: `.venv/bin/python bench/limits_isolation.py [--rounds 3]`; about two minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from own_stack import ROOT, own_stack
from stack_cpu import PART_NAMES, CpuReading, stack_pids

sys.path.insert(0, str(ROOT))

SCENARIO = {"limit_scale": 100, "apis": {"*": {"latency": {"fixed": 0.05}}}}
OPEN = {"requests": 10_000, "window": 1.0}
THROTTLED = {"requests": 5, "window": 1.0}
HN_ITEMS = 500  # the whole "new" list
POOL_NAMES = {"ingest-worker-hackernews": "hn-pool", "ingest-worker-mastodon": "mastodon-pool"}


def hacker_news_seconds(ingest, settings, pids: dict[str, list[int]],
                        cores: list[dict[str, float]] | None = None) -> float:
    """Seconds to pull the Hacker News items; the cores each part of the stack (`pids`) kept busy
    meanwhile are appended to `cores`."""
    before = CpuReading.take(pids)
    started = time.perf_counter()
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="new", limit=HN_ITEMS,
                      settings=settings, limits=OPEN)
    status = job.wait(timeout=600, poll=0.05)
    if status["state"] != "completed":
        raise SystemExit(f"the Hacker News pull ended {status['state']}: {status['counts']}")
    seconds = time.perf_counter() - started
    if cores is not None:
        cores.append(CpuReading.take(pids).cores_since(before, seconds))
    return seconds


def limiter_counts(limiter, source: str) -> dict[str, int]:
    """The source's limiter counters, summed over its hosts: grants and asks refused."""
    hosts = limiter.snapshot(source).get(source, {}).values()
    return {name: sum(entry[name] for entry in hosts) for name in ("granted", "denied")}


def measure(rounds: int) -> None:
    import redis

    import ingest
    from ingest.limits import Limiter
    from ingest.settings import Settings
    from tests.sandbox_admin import SandboxAdmin

    settings = Settings.from_env()
    limiter = Limiter(redis.Redis.from_url(settings.redis_url))
    SandboxAdmin(settings.sandbox_url).scenario(SCENARIO)
    pids = stack_pids([sys.executable, "-m", "ingest"], dict(os.environ), POOL_NAMES | PART_NAMES)
    hacker_news_seconds(ingest, settings, pids)
    alone, beside, mastodon_calls, waits, waiting = [], [], [], [], []
    asks: list[dict[str, int]] = []
    alone_cores: list[dict[str, float]] = []
    beside_cores: list[dict[str, float]] = []
    for _ in range(rounds):
        alone.append(hacker_news_seconds(ingest, settings, pids, alone_cores))
        counted = limiter_counts(limiter, "mastodon")
        throttled = ingest.pull("mastodon", base_url=settings.sandbox_url + "/mastodon", tag="python", limit=2000,
                                with_context=True, settings=settings, limits=THROTTLED)
        time.sleep(2.0)
        beside.append(hacker_news_seconds(ingest, settings, pids, beside_cores))
        snapshot = throttled.status()
        asks.append({name: value - counted[name] for name, value in limiter_counts(limiter, "mastodon").items()})
        mastodon_calls.append(snapshot["counts"]["calls"])
        throttled.cancel()
        waits.append(snapshot["counts"]["waits"])
        waiting.append(snapshot["nodes"]["waiting"])
        if snapshot["counts"]["waits"] < 10:
            raise SystemExit("the Mastodon pull was not held by its limit; the run shows nothing")
    alone_rate = HN_ITEMS / statistics.median(alone)
    beside_rate = HN_ITEMS / statistics.median(beside)
    print(f"Hacker News alone:                {alone_rate:7.1f} items/s  (runs: {', '.join(f'{s:.2f} s' for s in alone)})")
    print(f"beside a throttled Mastodon pull: {beside_rate:7.1f} items/s  (runs: {', '.join(f'{s:.2f} s' for s in beside)})")
    print(f"ratio {beside_rate / alone_rate:.2f} of alone (target >= 0.90); the Mastodon pull made "
          f"{', '.join(map(str, mastodon_calls))} calls meanwhile, at most {THROTTLED['requests']} a second, "
          f"was refused a permit {', '.join(map(str, waits))} times, and had "
          f"{', '.join(map(str, waiting))} tasks waiting on its limit at the end")
    print("Mastodon's limiter, per round: " + "; ".join(
        f"{a['granted']} granted, {a['denied']} asks refused "
        f"({(a['granted'] + a['denied']) / max(1, a['granted']):.2f} asks per grant)" for a in asks))
    print("cores busy, median of the rounds:  " + "  ".join(
        f"{part} {statistics.median(c[part] for c in alone_cores):.2f} -> {statistics.median(c[part] for c in beside_cores):.2f}"
        for part in alone_cores[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with own_stack("bench-isolation", 20600, INGEST_WORKER_CONCURRENCY="8"):
        measure(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
