"""The tally against a private redis-server (see tests/private_redis.py)."""

from __future__ import annotations

import pytest

from ingest.jobtree.tally import RedisTally
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)


@pytest.fixture
def tally(client):
    return RedisTally(client, prefix="test:tally", ttl=600.0)
