"""Every limits test. The rules and curves are pure and need nothing; a test that takes the
`client` or `limiter` fixture runs against a private redis-server (see tests/private_redis.py),
skipped when redis-server is not installed. None needs the running stack."""

from __future__ import annotations

import pytest

from ingest.limits import Limiter
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)


@pytest.fixture
def limiter(client):
    return Limiter(client, prefix="test:limits")
