"""Known limit: the limit shared in Redis against Celery's own `rate_limit`, as the API counts.

The sandbox's Mastodon publishes its limit, 300 calls per 5 minutes, with its real
X-RateLimit-* headers, scaled to L calls per window W (by default 100 per 10 s: 30 times
faster, 3 times lower); every call takes 50 ms. The same load runs twice, each time on two
worker processes of 8 threads:

- ours: `ingest.pull("mastodon", with_context=True, limits={"requests": L, "window": W})`, the
  public timeline and every status's context, on a stack of the benchmark's own;
- the baseline, measured in the same run: a plain Celery app (bench/celery_rate_limited.py)
  whose one task makes one GET of a URL ours fetched, with Celery's `rate_limit` set to L per
  W. Celery counts per worker process and per task type, so two processes may let up to 2 L
  through; under a backlog it can also leave most of L unused (each task it holds back adds a
  timer entry, and the worker's event loop fires ten entries a turn, then sleeps a second).

Each run lasts the given number of the API's windows plus one. The sandbox's log of requests
(arrival, status) is counted per window of the API's own (fixed windows aligned to multiples of
W on the sandbox's clock) and in the busiest interval of length W, which shows the overshoot.
Target: ours gets no 429 and uses at least 95 % of L in every full window (one that starts
after the run's first call and ends before the load stops). A missed target prints MISSED; only
a failed run exits non-zero. Ports from 21600, data in data/bench-known; the stack is stopped
at the end.

Run: `.venv/bin/python bench/limits_known_vs_celery.py [--limit 100] [--window 10] [--windows 5]`;
about three minutes.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from own_stack import ROOT, own_stack

sys.path.insert(0, str(ROOT))

from api_windows import Counts, Run, count, print_counts  # noqa: E402
from tests.sandbox_admin import SandboxAdmin  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA_NAME = "bench-known"
PORT_BASE = 21600
WORKER_PROCESSES = 2
WORKER_THREADS = 8
API = "mastodon"
DOCUMENTED_CALLS, DOCUMENTED_WINDOW = 300, 300.0
LATENCY = 0.05
TARGET_USE = 0.95
QUIET_SECONDS = 2.0
CELERY_UNITS = (("s", 1.0), ("m", 60.0), ("h", 3600.0))


@dataclass(frozen=True)
class Load:
    limit: int
    window: float
    windows: int

    @property
    def seconds(self) -> float:
        return (self.windows + 1) * self.window

    def scenario(self) -> dict:
        return {"time_scale": DOCUMENTED_WINDOW / self.window, "limit_scale": self.limit / DOCUMENTED_CALLS,
                "apis": {API: {"latency": {"fixed": LATENCY}}}}

    def celery_rate(self) -> str:
        """L per W in Celery's syntax, which counts whole calls per second, minute or hour."""
        for unit, seconds in CELERY_UNITS:
            per_unit = self.limit * seconds / self.window
            if abs(per_unit - round(per_unit)) < 1e-9:
                return f"{round(per_unit)}/{unit}"
        raise SystemExit(f"{self.limit} per {self.window:g} s is no whole number a second, minute or hour; "
                         "Celery cannot say it")


class Sandbox:
    """The own stack's sandbox: its scenario, its log, and where its windows start."""

    def __init__(self, url: str, load: Load) -> None:
        self.url = url
        self.load = load
        self.admin = SandboxAdmin(url)

    def restart(self) -> None:
        self.admin.reset()
        self.admin.scenario(self.load.scenario())

    def window_boundary(self) -> float:
        """The wall-clock end of the API's current window, from the reset header of one call
        (the sandbox aligns its windows to multiples of W on its monotonic clock, so every
        window starts a whole number of W from this one)."""
        self.restart()
        answer = requests.get(f"{self.url}/{API}/api/v1/timelines/public", params={"limit": 1}, timeout=10)
        answer.raise_for_status()
        return datetime.fromisoformat(answer.headers["x-ratelimit-reset"]).timestamp()

    def log_when_quiet(self, timeout: float = 60.0) -> list[dict]:
        """The API's log once no call has come for a while: calls in flight when the load
        stopped are in it."""
        deadline = time.monotonic() + timeout
        seen = self.admin.calls(API)
        while time.monotonic() < deadline:
            time.sleep(QUIET_SECONDS)
            now = self.admin.calls(API)
            if now == seen:
                break
            seen = now
        else:
            raise SystemExit(f"calls to {API} did not stop within {timeout:g} s of the load's end")
        return self.admin.requests(API)


def run_ours(load: Load, sandbox: Sandbox, settings) -> Run:
    import ingest

    sandbox.restart()
    job = ingest.pull(API, base_url=f"{sandbox.url}/{API}", with_context=True, settings=settings,
                      limits={"requests": load.limit, "window": load.window})
    time.sleep(load.seconds)
    stopped = time.time()
    state = job.status()["state"]
    job.cancel()
    if state != "running":
        raise SystemExit(f"the pull ended {state} before the run did; it had too few pages for the load")
    return Run("ours (limit shared in Redis)", sandbox.log_when_quiet(), stopped)


def celery_worker_names() -> list[str]:
    return [f"bench-celery-{number}@{socket.gethostname()}" for number in range(1, WORKER_PROCESSES + 1)]


def start_celery_workers(load: Load, log_dir: Path) -> list[subprocess.Popen]:
    env = dict(os.environ, BENCH_CELERY_RATE_LIMIT=load.celery_rate(),
               PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
    workers = []
    for number, name in enumerate(celery_worker_names(), 1):
        with open(log_dir / f"celery-rate-limited-{number}.log", "wb") as log:
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "celery_rate_limited", "worker", "--pool", "threads",
                 "--concurrency", str(WORKER_THREADS), "-Q", "bench.celery_rate_limited",
                 "--hostname", name, "--without-gossip", "--without-mingle",
                 "--loglevel", "WARNING"],
                cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def wait_for_celery_workers(app, workers: list[subprocess.Popen], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("a Celery worker of the baseline exited at start; see data/"
                             f"{DATA_NAME}/celery-rate-limited-*.log")
        # Every app on the broker hears a broadcast: ask the baseline's workers by name.
        if len(app.control.ping(destination=celery_worker_names(), timeout=1.0)) >= len(workers):
            return
    raise SystemExit(f"the baseline's Celery workers did not answer within {timeout:g} s")


def stop_celery_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_celery(load: Load, sandbox: Sandbox, paths: list[str], log_dir: Path) -> Run:
    from celery_rate_limited import QUEUE, app, rate_limited_get

    tasks = WORKER_PROCESSES * math.ceil(load.limit * load.seconds / load.window) + 2 * WORKER_THREADS
    workers = start_celery_workers(load, log_dir)
    try:
        wait_for_celery_workers(app, workers)
        sandbox.restart()
        for path in itertools.islice(itertools.cycle(paths), tasks):
            rate_limited_get.apply_async((sandbox.url + path,), queue=QUEUE)
        time.sleep(load.seconds)
        stopped = time.time()
    finally:
        stop_celery_workers(workers)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(QUEUE)
    return Run(f"Celery rate_limit={load.celery_rate()}", sandbox.log_when_quiet(), stopped)


def summarize(ours: Counts, baseline: Counts, load: Load) -> None:
    print()
    print(f"{'':28s}  429s  least % of L in a full window  most in any {load.window:g} s / L")
    for counts in (ours, baseline):
        print(f"{counts.name:28s}  {counts.throttled:4d}  {counts.least_use(load.limit):30.1%}  "
              f"{counts.busiest / load.limit:22.2f}")
    no_throttle = ours.throttled == 0
    full_use = ours.least_use(load.limit) >= TARGET_USE
    print(f"target: ours no 429 ... {'met' if no_throttle else 'MISSED'}; ours at least {TARGET_USE:.0%} of L "
          f"in every full window ... {'met' if full_use else 'MISSED'}")


def measure(load: Load) -> None:
    from ingest.settings import Settings

    settings = Settings.from_env()
    sandbox = Sandbox(settings.sandbox_url, load)
    boundary = sandbox.window_boundary()
    print(f"{API} in the sandbox: {load.limit} calls per {load.window:g} s, {LATENCY * 1000:.0f} ms a call; "
          f"{WORKER_PROCESSES} worker processes x {WORKER_THREADS} threads; {load.seconds:g} s a run", flush=True)
    ours_run = run_ours(load, sandbox, settings)
    paths = [entry["path"] for entry in ours_run.log if entry["status"] == "200"]
    if not paths:
        raise SystemExit(f"ours made no successful call to {API}; nothing to replay for the baseline")
    celery_run = run_celery(load, sandbox, paths, settings.data_dir)
    counted = []
    for run in (ours_run, celery_run):
        counts = count(run, boundary, load.window, LATENCY)
        if len(counts.full_windows) < 3:
            raise SystemExit(f"{run.name}: only {len(counts.full_windows)} full windows; the run shows too little")
        print_counts(counts, load.limit, load.window)
        counted.append(counts)
    summarize(*counted, load)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100, help="L: calls the API allows per window")
    parser.add_argument("--window", type=float, default=10.0, help="W: the API's window, in seconds")
    parser.add_argument("--windows", type=int, default=5, help="full windows each run should cover")
    args = parser.parse_args()
    if args.windows < 3 or args.limit < 1 or args.window <= 0:
        parser.error("give at least 3 windows, a limit of at least 1 and a positive window")
    load = Load(args.limit, args.window, args.windows)
    load.celery_rate()
    with own_stack(DATA_NAME, PORT_BASE, INGEST_WORKER_PROCESSES=str(WORKER_PROCESSES),
                   INGEST_WORKER_CONCURRENCY=str(WORKER_THREADS)):
        measure(load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
