"""A private redis-server on a free loopback port for a whole test run, and a clean db per test.
Test packages that need one import these fixtures into their conftest."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from tests.ports import free_port

def start_redis(directory: str) -> tuple[subprocess.Popen, redis.Redis]:
    """A redis-server without persistence on a free loopback port, answering PING; the caller
    stops the process. RuntimeError when it does not start."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10.0
    while True:
        try:
            client.ping()
            return process, client
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.02)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    process, client = start_redis(str(tmp_path_factory.mktemp("redis")))
    port = client.connection_pool.connection_kwargs["port"]
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.close()
