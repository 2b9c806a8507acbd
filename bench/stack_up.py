"""`ingest up` from cold to healthy, and on an already running stack.

Baseline, measured in the same run: `ingest --help`, the cost of starting the interpreter and
importing the command, which every `ingest` invocation pays. The stack runs on its own ports
(base 20600) and data directory, and is stopped at the end.

    .venv/bin/python bench/stack_up.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "bench-stack-up"
ENV = {
    **{key: value for key, value in os.environ.items() if not key.startswith("INGEST_")},
    "INGEST_DATA_DIR": str(DATA),
    "INGEST_PORT_BASE": "20600",
}


def _timed(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ingest", *args], env=ENV, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    baseline, cold, warm = [], [], []
    try:
        for _ in range(rounds):
            subprocess.run([sys.executable, "-m", "ingest", "down"], env=ENV, stdout=subprocess.DEVNULL, timeout=120)
            shutil.rmtree(DATA, ignore_errors=True)
            baseline.append(_timed("--help"))
            cold.append(_timed("up", "--sandbox"))
            warm.extend(_timed("up", "--sandbox") for _ in range(3))
    finally:
        subprocess.run([sys.executable, "-m", "ingest", "down"], env=ENV, stdout=subprocess.DEVNULL, timeout=120)
    base = statistics.median(baseline)
    print(f"{'measure':<40} {'median s':>9} {'x baseline':>11}")
    print(f"{'baseline: ingest --help':<40} {base:>9.2f} {1.0:>11.1f}")
    print(f"{'ingest up --sandbox, cold to healthy':<40} {statistics.median(cold):>9.2f} {statistics.median(cold) / base:>11.1f}")
    print(f"{'ingest up --sandbox, already running':<40} {statistics.median(warm):>9.2f} {statistics.median(warm) / base:>11.1f}")
    print(f"({rounds} cold starts from an empty data directory, {len(warm)} runs on a running stack)")


if __name__ == "__main__":
    main()
