"""Time from `ingest.pull()` called to `Job` returned, in a notebook's process.

`pull` validates the parameters, checks that `base_url` answers (one TCP connect), writes the
job and its root nodes, registers them in the tally and publishes the root tasks. Baseline,
measured in the same run: `requests.get` of the sandbox's health page, one HTTP round trip to
the same machine. The first pull of a process (imports, connections) is reported apart.

Starts a stack of its own (ports from 20600, data in data/bench-pull-latency), stops it at the
end. Run: `.venv/bin/python bench/pull_latency.py [--pulls 50]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from own_stack import ROOT, own_stack

sys.path.insert(0, str(ROOT))


def measure(pulls: int) -> None:
    started = time.perf_counter()
    import requests

    import ingest
    from ingest.settings import Settings

    settings = Settings.from_env()
    base_url = settings.sandbox_url + "/hn"
    first = ingest.pull("hackernews", base_url=base_url, list="top", limit=1, settings=settings)
    first_seconds = time.perf_counter() - started
    samples, baseline = [], []
    with requests.Session() as session:
        for _ in range(pulls):
            began = time.perf_counter()
            session.get(f"{settings.sandbox_url}/_admin/health", timeout=10)
            baseline.append(time.perf_counter() - began)
            began = time.perf_counter()
            ingest.pull("hackernews", base_url=base_url, list="top", limit=1, settings=settings)
            samples.append(time.perf_counter() - began)
    first.wait(timeout=120)
    samples.sort()
    base = statistics.median(baseline)
    p50, p95 = statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]
    print(f"first pull in a fresh process (imports, connections): {first_seconds * 1000:.0f} ms")
    print(f"baseline, one HTTP round trip (p50):                   {base * 1000:.2f} ms")
    print(f"pull() to Job, p50: {p50 * 1000:.1f} ms ({p50 / base:.1f}x baseline); p95: {p95 * 1000:.1f} ms "
          f"({p95 / base:.1f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=50)
    args = parser.parse_args()
    with own_stack("bench-pull-latency", 20600):
        measure(args.pulls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
