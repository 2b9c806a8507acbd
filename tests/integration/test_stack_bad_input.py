"""`ingest up` with bad input fails fast, names the problem and the fix, and loses nothing.

Each case runs `ingest up` against a data directory and ports of its own, apart from the
stack the other tests use.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PORT_BASE = int(os.environ.get("INGEST_PORT_BASE", "18600")) + 100


def _up(data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith("INGEST_") or key == "INGEST_FIXTURES_DIR"
    }
    environment.update({"INGEST_DATA_DIR": str(data_dir), "INGEST_PORT_BASE": str(PORT_BASE), **env})
    return subprocess.run(
        [sys.executable, "-m", "ingest", "up"], capture_output=True, text=True, timeout=120, env=environment
    )


@pytest.fixture()
def data_dir(tmp_path):
    directory = tmp_path / "data"
    (directory / "redis").mkdir(parents=True)
    (directory / "redis" / "appendonly.aof").write_text("precious\n")
    yield directory
    assert (directory / "redis" / "appendonly.aof").read_text() == "precious\n", "data/ lost a file"
    assert not (directory / "supervisor" / "supervisord.pid").exists(), "a supervisord was left running"


def test_a_taken_port_is_named_with_the_fix(data_dir):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", PORT_BASE + 1))
        squatter.listen()
        completed = _up(data_dir)
    assert completed.returncode == 1
    assert f"port {PORT_BASE + 1} (redis) is already in use" in completed.stderr
    assert "INGEST_PORT_BASE" in completed.stderr


def test_a_missing_server_binary_is_named_with_the_fix(data_dir):
    completed = _up(data_dir, INGEST_REDIS_BIN=str(data_dir / "no-redis-server"))
    assert completed.returncode == 1
    assert "redis-server not found at" in completed.stderr
    assert "INGEST_REDIS_BIN" in completed.stderr


def test_an_unreachable_mongo_url_is_named_with_the_fix(data_dir):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free_port = closed.getsockname()[1]
    completed = _up(data_dir, INGEST_MONGO_URL=f"mongodb://user:hunter2@127.0.0.1:{free_port}/")
    assert completed.returncode == 1
    assert f"INGEST_MONGO_URL (mongodb://user:***@127.0.0.1:{free_port}/) does not answer" in completed.stderr
    assert "unset INGEST_MONGO_URL" in completed.stderr
    assert "hunter2" not in completed.stderr + completed.stdout
    assert not (data_dir / "supervisor").exists(), "nothing should start when a check fails"
