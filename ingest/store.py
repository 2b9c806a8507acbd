"""MongoDB access: one client per process, the collections and their indexes."""

from __future__ import annotations

from functools import lru_cache

from pymongo import MongoClient
from pymongo.database import Database

from ingest.settings import Settings

PROBES = "probes"


@lru_cache(maxsize=8)
def _client(url: str) -> MongoClient:
    return MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=10_000, connectTimeoutMS=5_000)


def database(settings: Settings) -> Database:
    return _client(settings.mongo_url)[settings.mongo_db]
