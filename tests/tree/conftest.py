"""The tree against a private redis-server and a private FerretDB (see tests/private_redis.py,
tests/private_mongo.py)."""

from __future__ import annotations

from tests.private_mongo import mongo_db, mongo_url  # noqa: F401  (fixtures)
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)
