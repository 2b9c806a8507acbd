"""The limiter against a private redis-server (see tests/private_redis.py)."""

from __future__ import annotations

import pytest

from ingest.limits import Limiter
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)


@pytest.fixture
def limiter(client):
    return Limiter(client, prefix="test:limits")
