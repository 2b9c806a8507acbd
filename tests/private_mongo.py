"""A private FerretDB (SQLite handler) on a free loopback port for a whole test run, and a clean
database per test. Test packages that need a document store import these fixtures into their
conftest. `start_ferretdb` is also used by the benchmarks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from tests.ports import free_port

START_TIMEOUT = 20.0


def ferretdb_binary() -> str | None:
    """`ferretdb` beside the running interpreter (the project's virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / "ferretdb"
    return str(beside) if beside.is_file() else shutil.which("ferretdb")


@dataclass
class PrivateFerretDB:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_ferretdb(binary: str, directory: Path) -> PrivateFerretDB:
    """Start FerretDB with its data in `directory`, and wait until it answers a ping."""
    port, debug_port = free_port(), free_port()
    process = subprocess.Popen(
        [binary, "--handler=sqlite", f"--sqlite-url=file:{directory}/", f"--state-dir={directory}",
         f"--listen-addr=127.0.0.1:{port}", f"--debug-addr=127.0.0.1:{debug_port}",
         "--telemetry=disable", "--log-level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"mongodb://127.0.0.1:{port}/"
    client = MongoClient(url, serverSelectionTimeoutMS=500, connectTimeoutMS=500)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            try:
                client.admin.command("ping")
                return PrivateFerretDB(process, url)
            except PyMongoError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    process.wait(timeout=10)
                    raise RuntimeError(f"ferretdb did not start on port {port}") from None
                time.sleep(0.05)
    finally:
        client.close()


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory):
    binary = ferretdb_binary()
    if binary is None:
        pytest.skip("ferretdb is not installed (expected beside the interpreter or on PATH)")
    server = start_ferretdb(binary, tmp_path_factory.mktemp("ferretdb"))
    yield server.url
    server.stop()


@pytest.fixture
def mongo_db(mongo_url):
    """A fresh database (tz-aware client, like ingest.storage.mongo's), dropped after the test."""
    client = MongoClient(mongo_url, tz_aware=True)
    name = f"test_{uuid.uuid4().hex[:10]}"
    yield client[name]
    client.drop_database(name)
    client.close()
