"""A stack of a benchmark's own: its data directory and ports, started empty with the sandbox,
and the benchmark's process pointed at it; stopped at the end, also on an error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ingest(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "ingest", *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   timeout=300)


@contextmanager
def own_stack(name: str, port_base: int, **settings: str) -> Iterator[None]:
    """`ingest up --sandbox` in data/<name> on ports from `port_base`, with extra INGEST_*
    `settings`; this process's INGEST_* variables name that stack while it runs."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INGEST_")}
    env.update(INGEST_DATA_DIR=str(ROOT / "data" / name), INGEST_PORT_BASE=str(port_base), **settings)
    _ingest(env, "down")  # a stack left by an interrupted run: stopped before its files go
    shutil.rmtree(env["INGEST_DATA_DIR"], ignore_errors=True)
    try:
        _ingest(env, "up", "--sandbox")
        os.environ.update(env)
        yield
    finally:
        _ingest(env, "down")
