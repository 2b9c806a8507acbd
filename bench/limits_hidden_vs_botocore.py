"""A hidden limit that halves and doubles: our shared adaptive rate against botocore's adaptive
client rate limiter, on the same scenario.

Scenario (sandbox, PUT /_admin/scenario): Hacker News, which publishes no limit, answers 429
past a hidden limit of R calls per one-second window, counted across every client, and takes
50 ms a call. R for 100 s, R/2 for the next 100 s, R again for the last 100 s (`--limit`,
`--phase-seconds`). Setting a scenario restarts the sandbox's limit windows, so each change is
made just after a window opens on the sandbox's clock (CLOCK_MONOTONIC, which every process on
the machine shares): the change forgets only the calls of that window's first milliseconds.

Two runs, with the sandbox reset between them; both send 2 processes x 8 threads of calls to
/hn/v0/item/<id>.json:
- baseline: botocore's ClientRateLimiter (retry mode "adaptive"), one per process as the boto3
  client of a worker process holds it, built by botocore's own `register_retry_handler`. Each
  thread acquires from it, makes one `requests.get`, and tells it the outcome (a 429 is
  throttling). No Celery on this side: it isolates the rate control, the calls are the same.
- ours: a Hacker News pull (the 500 newest stories and their comments, about 6,500 items, one
  call each) through a stack of its own, 2 worker processes of 8 threads, under the adaptive
  rate that every worker shares in Redis.

Measured from the sandbox's log of requests (arrival time, status), a call counting in the
window it reached the limiter, 50 ms after its arrival: % of R achieved (successful calls over
the calls R allowed), per phase and over the run; % of calls answered 429; seconds after the
halving until every window's calls stay at most R/2 for 5 windows in a row; seconds after the
doubling until a window's successful calls reach 80 % of R. Targets (from the issue): at least
85 % of R, at most 3 % answered 429, under R/2 within 10 s, 80 % of R within 30 s; MISSED marks
a missed one. Also printed: both runs in 10-second rows with our shared rate, and what the pure
simulation (limits_adaptive_curves.py) predicts for the same phases.

The stack is its own (ports from 22600, data in data/bench-hidden) and is stopped at the end.
Run: `make bench BENCH=limits_hidden_vs_botocore`, or
`.venv/bin/python bench/limits_hidden_vs_botocore.py [--limit 10] [--phase-seconds 100]`;
about 12 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import threading
import time

from own_stack import ROOT, own_stack

sys.path.insert(0, str(ROOT))

from hidden_limit_figures import Schedule, Windows, report  # noqa: E402
from sandbox.counters import Counters  # noqa: E402

LATENCY = 0.05
PROCESSES = 2
THREADS = 8
LEAD_SECONDS = 2.0          # time for the botocore processes to start before the run does
TICK_SECONDS = 1.0
LOG_FETCH_AFTER = 10_000    # requests not yet fetched; the sandbox keeps only the last 20,000
BOTOCORE_PROCESS = "--botocore-process"


def scenario(limit: int) -> dict:
    hidden = {"limit": limit, "window": 1, "scope": "global", "status": 429}
    return {"apis": {"hn": {"hidden_limits": [hidden], "latency": {"fixed": LATENCY}}}}


class RequestLog:
    """Every Hacker News request the sandbox logged since its reset, fetched before its log of
    the last 20,000 can drop any."""

    def __init__(self, admin) -> None:
        self.admin = admin
        self.entries: dict[tuple, dict] = {}
        self.fetched_total = 0
        self.lost = False

    def poll(self) -> None:
        total = self.admin.calls("hn")
        if total - self.fetched_total >= LOG_FETCH_AFTER:
            self.fetch(total)

    def fetch(self, total: int) -> None:
        self.lost = self.lost or total - self.fetched_total > Counters.LOGGED_REQUESTS
        for entry in self.admin.requests("hn"):
            self.entries[(entry["at"], entry["path"], entry["status"])] = entry
        self.fetched_total = total

    def finish(self) -> list[dict]:
        self.fetch(self.admin.calls("hn"))
        return list(self.entries.values())


def sleep_until(monotonic: float) -> None:
    time.sleep(max(0.0, monotonic - time.monotonic()))


def drive(admin, schedule: Schedule, before_start, at_start, tick) -> Windows:
    """One run: R changes on schedule while `tick` is called about every second; the load is
    prepared by `before_start(start_wall)` and set going by `at_start()`."""
    admin.reset()
    admin.scenario(scenario(schedule.limits[0]))
    start = math.ceil(time.monotonic() + LEAD_SECONDS)
    start_wall = start + time.time() - time.monotonic()
    before_start(start_wall)
    log = RequestLog(admin)
    sleep_until(start)
    at_start()
    for index, limit in enumerate(schedule.limits[1:], start=1):
        change = start + index * schedule.phase_seconds
        while time.monotonic() < change - TICK_SECONDS:
            tick(time.time() - start_wall)
            log.poll()
            sleep_until(min(change, time.monotonic() + TICK_SECONDS))
        sleep_until(change)
        admin.scenario(scenario(limit))
    end = start + schedule.duration
    while time.monotonic() < end:
        tick(time.time() - start_wall)
        log.poll()
        sleep_until(min(end, time.monotonic() + TICK_SECONDS))
    if log.lost:
        print("warning: the sandbox's log overflowed between two reads; some calls are not counted")
    return Windows.of(log.finish(), start_wall - LATENCY, schedule.duration)


def run_botocore(admin, schedule: Schedule, url: str) -> tuple[Windows, list[dict]]:
    import requests

    answer = requests.get(url + "/hn/v0/maxitem.json", timeout=10)
    answer.raise_for_status()
    newest = answer.json()
    processes: list[subprocess.Popen] = []

    def launch(start_wall: float) -> None:
        for number in range(PROCESSES):
            plan = {"url": url, "start": start_wall, "until": start_wall + schedule.duration,
                    "first_item": newest - number, "stride": PROCESSES, "threads": THREADS}
            processes.append(subprocess.Popen([sys.executable, __file__, BOTOCORE_PROCESS, json.dumps(plan)],
                                              stdout=subprocess.PIPE, text=True))

    try:
        windows = drive(admin, schedule, launch, lambda: None, lambda elapsed: None)
        outcomes = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return windows, outcomes


def run_ours(admin, schedule: Schedule, settings) -> tuple[Windows, dict[int, list[float]], dict]:
    import redis

    import ingest
    from ingest.limits import Limiter

    limiter = Limiter(redis.Redis.from_url(settings.redis_url, socket_timeout=5.0))
    rates: dict[int, list[float]] = {}
    jobs = []

    def pull() -> None:
        jobs.append(ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="new",
                                comment_depth=100, settings=settings))

    def sample(elapsed: float) -> None:
        for entry in limiter.snapshot("hackernews")["hackernews"].values():
            if entry["rate"] is not None:
                rates.setdefault(int(elapsed), []).append(entry["rate"])

    windows = drive(admin, schedule, lambda start_wall: None, pull, sample)
    return windows, rates, jobs[0].status()


def botocore_process(plan: dict) -> dict:
    """One worker process's share of the baseline: threads that share one ClientRateLimiter."""
    from types import SimpleNamespace

    import requests
    from botocore.hooks import HierarchicalEmitter
    from botocore.retries import adaptive

    client = SimpleNamespace(meta=SimpleNamespace(events=HierarchicalEmitter()))
    limiter = adaptive.register_retry_handler(client)
    items = iter(range(plan["first_item"], -1, -plan["stride"]))
    lock = threading.Lock()
    counts = {"calls": 0, "throttled": 0, "failed": 0}

    def outcome(response, error) -> None:
        limiter.on_receiving_response(response=response, caught_exception=error, attempts=1,
                                      operation=None, request_dict={"context": {}})

    def loop() -> None:
        session = requests.Session()
        with lock:
            item = next(items)
        while time.time() < plan["until"]:
            limiter.on_sending_request(request=None)
            if time.time() >= plan["until"]:
                break
            try:
                response = session.get(f"{plan['url']}/hn/v0/item/{item}.json", timeout=10)
            except requests.RequestException as error:
                outcome(None, error)
                failed, throttled = 1, 0
            else:
                outcome((response, {}), None)
                failed, throttled = 0, int(response.status_code == 429)
            with lock:
                counts["calls"] += 1
                counts["failed"] += failed
                counts["throttled"] += throttled
                if not throttled:
                    item = next(items)

    time.sleep(max(0.0, plan["start"] - time.time()))
    threads = [threading.Thread(target=loop) for _ in range(plan["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == BOTOCORE_PROCESS:
        print(json.dumps(botocore_process(json.loads(sys.argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10, help="R, calls per second (even)")
    parser.add_argument("--phase-seconds", type=int, default=100, help="length of each phase (at least 40)")
    args = parser.parse_args()
    if args.limit < 2 or args.limit % 2 or args.phase_seconds < 40:
        parser.error("R must be even and at least 2, and phases at least 40 s long")
    schedule = Schedule((args.limit, args.limit // 2, args.limit), args.phase_seconds)
    with own_stack("bench-hidden", 22600, INGEST_WORKER_PROCESSES=str(PROCESSES),
                   INGEST_WORKER_CONCURRENCY=str(THREADS)):
        from ingest.settings import Settings
        from tests.sandbox_admin import SandboxAdmin

        settings = Settings.from_env()
        admin = SandboxAdmin(settings.sandbox_url)
        botocore, outcomes = run_botocore(admin, schedule, settings.sandbox_url)
        ours, rates, status = run_ours(admin, schedule, settings)
    report(schedule, LATENCY, PROCESSES, THREADS, botocore, ours, rates, outcomes, status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
