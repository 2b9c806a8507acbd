"""Frames read from a private FerretDB (see tests/private_mongo.py)."""

from __future__ import annotations

from tests.private_mongo import mongo_db, mongo_url  # noqa: F401  (fixtures)
