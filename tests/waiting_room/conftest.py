"""Waiting-room tests run against a private redis-server (see tests/private_redis.py), skipped
when redis-server is not installed. None needs the running stack."""

from __future__ import annotations

from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)
