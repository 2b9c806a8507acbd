"""A pool of credentials: k credentials of L calls per window each give a pull k x L calls a window.

The sandbox's Mastodon limits each credential to L calls per window W (scenario `rate_limits:
[{limit: L, window: W, scope: credential}]`, with its real X-RateLimit-* headers; every call
takes 50 ms). For k = 1, 2 and 4 static bearer tokens, in the same run, one pull of the public
timeline with every status's context (`with_context=True`) names them all (`credential=
["pool4-1", ..., "pool4-4"]`, new names and tokens for each k) with the known limit L per W for
each credential (`limits=[{"requests": L, "window": W, "per": ["host", "credential"]}]`), on two worker
processes of 8 threads, for the given number of windows plus one; then it is cancelled.

The sandbox's log of requests is counted per window of the API's own (fixed windows aligned to
multiples of W on the sandbox's clock); a full window starts after the pull's first call and
ends before it is cancelled. Its calls answered without a 429 are set against k x L; the
limiter's own counts per credential (grants, asks refused) are read just before the cancel,
to show where a shortfall comes from.
Baseline, in the same run: k = 1, one credential's L. Target: at least 90 % of k x L per full
window for every k, and no 429. A missed target prints MISSED; only a run that could not measure exits
non-zero. Ports from 21100, data in data/bench-pool; the stack is stopped at the end.

Run: `make bench BENCH=limits_credential_pool` or
`.venv/bin/python bench/limits_credential_pool.py [--limit 60] [--window 10] [--windows 4]`;
about four minutes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

from own_stack import ROOT, own_stack

sys.path.insert(0, str(ROOT))

from api_windows import Counts, Run, count, print_counts  # noqa: E402
from limits_known_vs_celery import API, LATENCY, WORKER_PROCESSES, WORKER_THREADS, Sandbox  # noqa: E402
from limits_known_vs_celery import Load as KnownLoad  # noqa: E402

DATA_NAME = "bench-pool"
PORT_BASE = 21100
POOL_SIZES = (1, 2, 4)
TARGET_USE = 0.9


class Load(KnownLoad):
    """L per W for each credential, on the sandbox's clock (no time or limit scale)."""

    def scenario(self) -> dict:
        return {"apis": {API: {"latency": {"fixed": LATENCY},
                               "rate_limits": [{"limit": self.limit, "window": self.window, "scope": "credential"}]}}}

    def pull_limits(self) -> list[dict]:
        return [{"requests": self.limit, "window": self.window, "per": ["host", "credential"]}]


@dataclass(frozen=True)
class Queue:
    """One credential's limit as the limiter held it just before the pull was cancelled."""

    granted: int
    denied: int


@dataclass(frozen=True)
class PoolRun:
    size: int
    counts: Counts
    per_credential: list[int]
    queues: list[Queue]

    def answered(self) -> list[int]:
        return [window.calls - window.throttled for window in self.counts.full_windows]

    def use(self, load: Load) -> float:
        """Calls answered per full window, on average, as a share of k x L."""
        return statistics.mean(self.answered()) / (self.size * load.limit)

    def least_use(self, load: Load) -> float:
        return min(self.answered()) / (self.size * load.limit)


def pool_of(size: int) -> dict[str, str]:
    """The credential names of the pool of `size` and their tokens, new ones for each size."""
    return {f"pool{size}-{number}": f"bench-pool{size}-token-{number:04d}" for number in range(1, size + 1)}


def limiter_queues(names: list[str], settings) -> list[Queue]:
    import redis

    from ingest.limits import Limiter
    from ingest.limits.scope import credential_digest

    client = redis.Redis.from_url(settings.redis_url)
    states = Limiter(client).store.states()
    queues = []
    for name in names:
        fields = next((fields for key, fields in states.items() if credential_digest(name) in key), {})
        queues.append(Queue(int(fields.get("granted") or 0), int(fields.get("denied") or 0)))
    return queues


def run_pool(size: int, load: Load, sandbox: Sandbox, settings, boundary: float) -> PoolRun:
    import ingest
    from ingest import credentials
    from sandbox.counters import credential_hash

    pool = pool_of(size)
    for name, token in pool.items():
        credentials.save(name, token, settings)
    sandbox.restart()
    job = ingest.pull(API, base_url=f"{sandbox.url}/{API}", with_context=True, credential=list(pool),
                      limits=load.pull_limits(), settings=settings)
    time.sleep(load.seconds)
    stopped = time.time()
    queues = limiter_queues(list(pool), settings)
    state = job.status()["state"]
    job.cancel()
    if state != "running":
        raise SystemExit(f"k={size}: the pull ended {state} before the run did; it had too few pages for the load")
    run = Run(f"k={size} credentials", sandbox.log_when_quiet(), stopped)
    usage = sandbox.admin.counters()["credentials"]
    per_credential = [usage.get(credential_hash(token), {}).get(API, {}).get("requests", 0) for token in pool.values()]
    counts = count(run, boundary, load.window, LATENCY)
    if len(counts.full_windows) < 2:
        raise SystemExit(f"k={size}: only {len(counts.full_windows)} full windows; the run shows too little")
    return PoolRun(size, counts, per_credential, queues)


def summarize(runs: list[PoolRun], load: Load) -> str:
    print()
    print("  k   k x L   calls per full window (mean, least)   share of k x L (mean, least)   429s   "
          "calls per credential")
    for run in runs:
        answered = run.answered()
        print(f"{run.size:3d}  {run.size * load.limit:6d}   {statistics.mean(answered):14.1f} {min(answered):8d}"
              f"   {run.use(load):22.1%} {run.least_use(load):7.1%}   {run.counts.throttled:4d}   "
              f"{', '.join(map(str, run.per_credential))}")
    print("\nthe limiter, per credential when the pull was cancelled: grants and asks refused")
    for run in runs:
        print(f"  k={run.size}: " + "; ".join(f"{queue.granted} granted, {queue.denied} refused"
                                              for queue in run.queues))
    throttled = sum(run.counts.throttled for run in runs)
    full_use = all(run.use(load) >= TARGET_USE for run in runs)
    print(f"target: at least {TARGET_USE:.0%} of k x L per full window for every k ... "
          f"{'met' if full_use else 'MISSED'}; no 429 ... {'met' if throttled == 0 else 'MISSED'}")
    ratios = ", ".join(f"k={run.size} {run.use(load):.2f} x {'L' if run.size == 1 else 'kL'}" for run in runs)
    return f"credential pool: {ratios}; 429s {throttled}"


def measure(load: Load) -> str:
    from ingest.settings import Settings

    settings = Settings.from_env()
    sandbox = Sandbox(settings.sandbox_url, load)
    boundary = sandbox.window_boundary()
    print(f"{API} in the sandbox: {load.limit} calls per {load.window:g} s per credential, "
          f"{LATENCY * 1000:.0f} ms a call; {WORKER_PROCESSES} worker processes x {WORKER_THREADS} threads; "
          f"{load.seconds:g} s a run; k = {', '.join(map(str, POOL_SIZES))}", flush=True)
    runs = []
    for size in POOL_SIZES:
        runs.append(run_pool(size, load, sandbox, settings, boundary))
        print_counts(runs[-1].counts, size * load.limit, load.window)
    return summarize(runs, load)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60, help="L: calls each credential may make per window")
    parser.add_argument("--window", type=float, default=10.0, help="W: the API's window, in seconds")
    parser.add_argument("--windows", type=int, default=4, help="full windows each pull should cover")
    args = parser.parse_args()
    if args.windows < 2 or args.limit < 1 or args.window <= 0:
        parser.error("give at least 2 windows, a limit of at least 1 and a positive window")
    load = Load(args.limit, args.window, args.windows)
    with own_stack(DATA_NAME, PORT_BASE, INGEST_WORKER_PROCESSES=str(WORKER_PROCESSES),
                   INGEST_WORKER_CONCURRENCY=str(WORKER_THREADS)):
        last = measure(load)
    print(last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
