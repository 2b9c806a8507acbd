"""Credentials and tokens. The kinds and exchanges are pure; a test that takes `client` or
`store` runs against a private redis-server (tests/private_redis.py); the ones that take
`token_server` talk to the sandbox's token endpoints over HTTP on a clock the test moves."""

from __future__ import annotations

import pytest

from ingest.auth.token_store import RedisTokenStore
from sandbox.server import BackgroundServer
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)


@pytest.fixture
def store(client):
    return RedisTokenStore(client)


@pytest.fixture(scope="package")
def token_server():
    """The sandbox, with its token endpoints, on a free loopback port."""
    running = BackgroundServer(size=500)
    running.start()
    yield running
    running.stop()
