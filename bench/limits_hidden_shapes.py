"""The adaptive rate against a hidden limit of each shape, beside botocore's adaptive client
rate limiter, on the sandbox: share of the sustainable rate, share of calls refused, and the
seconds to follow the limit down when it halves and to find it again when it doubles.

Shapes (sandbox scenario, Hacker News, 50 ms a call, 429 past the limit; R calls per second):
fixed window (R per 1 s), sliding window (R per 1 s), token bucket (rate R, burst R), and a
concurrency cap (R x 50 ms calls in flight). Each runs three phases: R, R/2, R (the scenario
changes at run time; the sandbox keeps each rule's state under its new figures).

Each shape runs twice per client: steady (every thread always has a call to make) and fan-out
(a trickle of one call a second per process, then 500 calls registered at once, as one page's
children). The load is threads in processes (`--processes` x `--threads`) calling the sandbox
over HTTP, each call gated by the client's rate control; no Celery: it isolates the rate
control. Ours: one `Limiter` per process, its state shared through one Redis; steady threads
ask `Limiter.acquire` for one permit each, the fan-out's releaser asks `Limiter.grant` for as
many as wait (the waiting room's way) and hands them to the threads. Botocore's: one
ClientRateLimiter per process (as a boto3 client in each worker process holds it), built by
botocore's own `register_retry_handler`, told each outcome (a 429 is throttling).

Figures per phase are counted from the clients' own records (the moment each call was sent
and its status): % of R served (successes over the calls the shape allowed), % refused (429s
over calls), seconds after the halving until 5 seconds in a row send at most 110 % of R/2, and
seconds after the doubling until one second serves 80 % of R. Targets: >= 85 % of R, <= 3 %
refused. The sustained rate of the concurrency cap is its limit over the latency, an upper
bound (HTTP overhead lengthens each call).

A private redis-server and sandbox on ports from 23600 (`--port-base`), stopped at the end.
Run: `make bench BENCH=limits_hidden_shapes`, or
`.venv/bin/python bench/limits_hidden_shapes.py [--rate 20] [--phase-seconds 30]
[--shapes fixed_window,sliding_window,token_bucket,concurrency] [--clients ours,botocore]`;
about 25 minutes by default; `--phase-seconds 6 --shapes fixed_window` is a smoke run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hidden_shapes_load import WORKER_FLAG, run_worker

ROOT = Path(__file__).resolve().parent.parent

LATENCY = 0.05
SHAPES = ("fixed_window", "sliding_window", "token_bucket", "concurrency")
MODES = ("steady", "fan-out")
CLIENTS = ("ours", "botocore")
SHARE_TARGET, REFUSED_TARGET = 0.85, 0.03


def rule(shape: str, rate: int) -> dict:
    if shape == "token_bucket":
        return {"shape": shape, "rate": rate, "burst": rate, "status": 429}
    if shape == "concurrency":
        return {"shape": shape, "limit": max(1, round(rate * LATENCY)), "status": 429}
    return {"shape": shape, "limit": rate, "window": 1, "status": 429}


def sustained(shape: str, rate: int) -> float:
    return max(1, round(rate * LATENCY)) / LATENCY if shape == "concurrency" else float(rate)


def scenario(shape: str, rate: int) -> dict:
    return {"apis": {"hn": {"hidden_limits": [rule(shape, rate)], "latency": {"fixed": LATENCY}}}}


def start_services(port_base: int, directory: str) -> tuple[list[subprocess.Popen], str, str]:
    redis_process = subprocess.Popen(
        ["redis-server", "--port", str(port_base), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sandbox_process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", str(port_base + 1)],
                                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port_base + 1}"
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url + "/_admin/counters", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.2)
    return [redis_process, sandbox_process], f"redis://127.0.0.1:{port_base}/0", url


def run(shape: str, mode: str, client: str, args, redis_url: str, url: str) -> list[list]:
    """One run of three phases; every call's (sent at, status) relative to the start."""
    import redis
    import requests

    requests.post(url + "/_admin/reset", timeout=10).raise_for_status()
    requests.put(url + "/_admin/scenario", json=scenario(shape, args.rate), timeout=10).raise_for_status()
    redis.Redis.from_url(redis_url).flushdb()
    start = time.time() + 2.0
    plan = {"url": url, "redis_url": redis_url, "client": client, "mode": mode, "start": start,
            "until": start + 3 * args.phase_seconds, "threads": args.threads, "fan_out_at": args.phase_seconds / 3}
    workers = [subprocess.Popen([sys.executable, __file__, WORKER_FLAG, json.dumps({**plan, "number": n})],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT) for n in range(args.processes)]
    for phase, rate in ((1, args.rate // 2), (2, args.rate)):
        time.sleep(max(0.0, start + phase * args.phase_seconds - time.time()))
        requests.put(url + "/_admin/scenario", json=scenario(shape, rate), timeout=10).raise_for_status()
    records: list[list] = []
    for worker in workers:
        records.extend(json.loads(worker.communicate(timeout=3 * args.phase_seconds + 120)[0]))
    return records


def figures(records: list[list], shape: str, args) -> dict:
    seconds = 3 * args.phase_seconds
    sent, served = [0] * seconds, [0] * seconds
    for at, status in records:
        if 0 <= int(at) < seconds:
            sent[int(at)] += 1
            served[int(at)] += status == 200
    refused = sum(1 for _, status in records if status == 429)
    rates = (args.rate, args.rate // 2, args.rate)
    allowed = sum(sustained(shape, rate) * args.phase_seconds for rate in rates)
    half = sustained(shape, args.rate // 2)
    p = args.phase_seconds
    down = next((t for t in range(p - 4) if all(n <= 1.1 * half for n in sent[p + t:p + t + 5])), None)
    up = next((t + 1 for t in range(p) if served[2 * p + t] >= 0.8 * sustained(shape, args.rate)), None)
    return {"share": sum(served) / allowed, "refused": refused / max(1, len(records)), "calls": len(records),
            "down": down, "up": up}


def report(results: dict) -> None:
    print(f"{'shape':15} {'mode':8} {'client':9} {'calls':>6} {'% of R':>7} {'% 429':>6} {'s under R/2':>11} "
          f"{'s to 80% R':>10}")
    for (shape, mode, client), row in results.items():
        marks = ("" if row["share"] >= SHARE_TARGET else " MISSED share") + \
                ("" if row["refused"] <= REFUSED_TARGET else " MISSED 429")
        down = "never" if row["down"] is None else f"{row['down']}"
        up = "never" if row["up"] is None else f"{row['up']}"
        print(f"{shape:15} {mode:8} {client:9} {row['calls']:6} {100 * row['share']:7.1f} "
              f"{100 * row['refused']:6.2f} {down:>11} {up:>10}{marks if client == 'ours' else ''}")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == WORKER_FLAG:
        print(json.dumps(run_worker(json.loads(sys.argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=20, help="R, calls per second (even)")
    parser.add_argument("--phase-seconds", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--port-base", type=int, default=23600)
    args = parser.parse_args()
    if args.rate < 2 or args.rate % 2 or args.phase_seconds < 6:
        parser.error("R must be even and at least 2, and phases at least 6 s long")
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        processes, redis_url, url = start_services(args.port_base, directory)
        try:
            for shape in args.shapes.split(","):
                for mode in args.modes.split(","):
                    for client in args.clients.split(","):
                        records = run(shape, mode, client, args, redis_url, url)
                        results[(shape, mode, client)] = figures(records, shape, args)
                        print(f"{shape} {mode} {client}: {results[(shape, mode, client)]}", flush=True)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
