"""The first calls of a pull under a known limit on a fresh Redis: a limit that starts from an
assumed-full log (the baseline, `cold_start="assume_full"`) against one that sends a probe and
starts from the API's answer (the default), in the same run.

Measured at the limiter, not through the whole stack: one process makes a pull's first calls
the way a worker does (Limiter.acquire, sleep the wait it is told, the call over HTTP to the
sandbox, Limiter.observe with the connector's reading of the answer's headers), with the real
connectors' known limits: a GitHub commits pull (5,000 calls per hour with a token) and a
Mastodon public timeline (300 per 5 minutes per account and per address). Each run has its own
prefix in one redis-server of its own, so each starts as on a fresh Redis. The four runs go
side by side (they mostly sleep), so the whole takes as long as the slowest baseline (about
75 s). Prints, per pull, the first call's delay and the time of all its calls in both modes,
and the ratio of the delays.

    .venv/bin/python bench/limits_cold_start.py [--calls 3] [--port 21200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest import connectors  # noqa: E402
from ingest.limits import Limiter, SlidingLogRule  # noqa: E402
from ingest.pipeline import http  # noqa: E402
from ingest.pipeline.limit_scope import outcome_of, scope_for  # noqa: E402
from sandbox.server import BackgroundServer  # noqa: E402
from tests.private_redis import start_redis  # noqa: E402

MODES = ("assume_full", "probe")
TIMEOUTS = (5.0, 30.0)


def pulls(sandbox_url: str) -> dict[str, tuple[str, dict]]:
    return {
        "github": ("rest", {"preset": "github_commits", "owner": "octocat", "repo": "project-0",
                            "base_url": sandbox_url + "/github", "credential": "bench"}),
        "mastodon": ("mastodon", {"base_url": sandbox_url + "/mastodon", "credential": "bench"}),
    }


def first_calls(limiter: Limiter, source: str, params: dict, secret: str, calls: int) -> tuple[float, float]:
    """Seconds from the pull's start to its first call, and to the end of its first `calls`
    calls (fewer when the pull ends before)."""
    connector = connectors.get(source)
    spec = connector.validate(params)
    connector = connector.for_spec(spec)
    pending = deque(connector.start(spec, None))
    start = time.monotonic()
    first = None
    for _ in range(calls):
        if not pending:
            break
        request = pending.popleft()
        scope = scope_for(connector, spec, request)
        permit = limiter.acquire(scope)
        while not permit.granted:
            time.sleep(permit.wait)
            permit = limiter.acquire(scope)
        first = time.monotonic() - start if first is None else first
        response = http.fetch(request, connector.headers(spec, secret), *TIMEOUTS)
        error = connector.classify(response, time.time())
        limiter.observe(scope, connector.read_limits(response, time.time()), outcome_of(response, error),
                        permit=permit)
        if error is not None:
            raise error
        page = connector.parse(request, response, spec)
        pending.extend([page.next] if page.next is not None else [])
        pending.extend(page.children)
    return first, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="calls of each pull (default 3)")
    parser.add_argument("--port", type=int, default=21200, help="the sandbox's port (default 21200)")
    args = parser.parse_args()
    sandbox = BackgroundServer(port=args.port, size=2000).start()
    results: dict[tuple[str, str], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        process, client = start_redis(directory)
        try:
            def run(name: str, mode: str) -> None:
                limiter = Limiter(client, prefix=f"bench:cold:{name}:{mode}",
                                  rule=SlidingLogRule(cold_start=mode, probe_deadline=sum(TIMEOUTS)))
                source, params = pulls(sandbox.url)[name]
                results[name, mode] = first_calls(limiter, source, params, f"token-{mode}", args.calls)

            threads = [threading.Thread(target=run, args=(name, mode)) for name in pulls("") for mode in MODES]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            process.terminate()
            process.wait(timeout=10)
            sandbox.stop()
    print(f"first {args.calls} calls of a pull on a fresh Redis, limiter and sandbox over HTTP")
    print(f"{'pull':10} {'mode':12} {'first call s':>13} {'all calls s':>12}")
    for (name, mode), (first, total) in sorted(results.items()):
        print(f"{name:10} {mode:12} {first:13.3f} {total:12.3f}")
    for name in pulls(""):
        if (name, "probe") in results and (name, "assume_full") in results:
            baseline, probe = results[name, "assume_full"][0], results[name, "probe"][0]
            print(f"cold start: {name} first call {baseline:.2f} s -> {probe:.3f} s "
                  f"({baseline / max(probe, 1e-3):.0f} times sooner)")


if __name__ == "__main__":
    main()
