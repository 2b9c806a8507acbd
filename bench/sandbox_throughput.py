"""Sandbox throughput: requests per second and p50/p99 latency with 50 concurrent clients.

Starts the sandbox (`python -m sandbox`, one uvicorn process, as in production) on a free
127.0.0.1 port and loads it with `bench/sandbox_loadgen.go`, a small Go load generator built
from the standard library (so the generator, not Python, is never the bottleneck), with 50
keep-alive clients. Measures, in the same run:

- baseline: `/_bench/static`, a trivial static JSON answer on the same server stack;
- Hacker News items: `/hn/v0/item/<id>.json` over 2,000 different items (the full request
  path: route, limits and counters, faults check, cached JSON);
- Mastodon pages: `/mastodon/api/v1/timelines/tag/<tag>?limit=40` (40 statuses a page, Link
  and rate-limit headers);

and prints each figure beside the baseline as a ratio. Rate limits stay on but are scaled
up (limit_scale 10000) so that no request is refused. Run: `.venv/bin/python
bench/sandbox_throughput.py [--seconds 8] [--clients 50]`; it stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sandbox.server import free_port  # noqa: E402

HOST = "127.0.0.1"
REQUIRED_RPS = 1500
BENCH_SCENARIO = {"limit_scale": 10000}


def build_loadgen(workdir: Path) -> Path:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    binary = workdir / "sandbox_loadgen"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "off", "GOCACHE": str(workdir / "gocache")}
    subprocess.run([go, "build", "-o", str(binary), str(REPO_ROOT / "bench" / "sandbox_loadgen.go")],
                   check=True, env=env, cwd=workdir)
    return binary


def start_server(port: int, workdir: Path) -> subprocess.Popen:
    scenario = workdir / "scenario.json"
    scenario.write_text(json.dumps(BENCH_SCENARIO), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--host", HOST, "--port", str(port),
                                "--scenario", str(scenario)], cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://{HOST}:{port}/_admin/health", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError("the sandbox exited at start")
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the sandbox did not start")


def load(binary: Path, urls: list[str], clients: int, seconds: float) -> dict:
    finished = subprocess.run([str(binary), "-c", str(clients), "-d", str(seconds)], input="\n".join(urls),
                              capture_output=True, text=True, check=True, timeout=seconds + 60)
    return json.loads(finished.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per target")
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    port = free_port(HOST)
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        binary = build_loadgen(workdir)
        server = start_server(port, workdir)
        try:
            max_item = requests.get(f"{base}/hn/v0/maxitem.json", timeout=5).json()
            targets = {
                "static baseline": [f"{base}/_bench/static"],
                "hn item": [f"{base}/hn/v0/item/{max_item - i}.json" for i in range(2000)],
                "mastodon page (40)": [f"{base}/mastodon/api/v1/timelines/tag/{tag}?limit=40"
                                       for tag in ("python", "news", "linux", "art", "music")],
            }
            results = {}
            for name, urls in targets.items():
                load(binary, urls, args.clients, min(2.0, args.seconds))
                results[name] = load(binary, urls, args.clients, args.seconds)
            counters = requests.get(f"{base}/_admin/counters", timeout=5).json()
        finally:
            server.terminate()
            server.wait(timeout=10)
    baseline = results["static baseline"]
    print(f"sandbox throughput, {args.clients} concurrent clients, {args.seconds:g} s each, "
          f"one uvicorn process, load from bench/sandbox_loadgen.go")
    print(f"{'target':<20}{'rps':>10}{'p50 ms':>10}{'p99 ms':>10}{'rps/baseline':>14}"
          f"{'p50/baseline':>14}  statuses")
    for name, figures in results.items():
        print(f"{name:<20}{figures['rps']:>10.0f}{figures['p50_ms']:>10.2f}{figures['p99_ms']:>10.2f}"
              f"{figures['rps'] / baseline['rps']:>14.2f}{figures['p50_ms'] / max(baseline['p50_ms'], 1e-6):>14.2f}"
              f"  {figures['statuses']} errors={figures['errors']}")
    print(f"server-side: peak {counters['peak_connections']} open connections, peak "
          f"{counters['peak_concurrency']} requests in flight, {counters['requests']} API requests counted")
    item_rps = results["hn item"]["rps"]
    verdict = "meets" if item_rps >= REQUIRED_RPS else "DOES NOT meet"
    print(f"hn item at {item_rps:.0f} rps {verdict} the {REQUIRED_RPS} rps floor")
    return 0 if item_rps >= REQUIRED_RPS else 1


if __name__ == "__main__":
    sys.exit(main())
