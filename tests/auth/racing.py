"""A worker process asking for one credential's token from many threads at once (spawned by
tests/auth/test_token_endpoints.py)."""

from __future__ import annotations

import threading
from functools import partial

import redis

from ingest.auth import token_http
from ingest.auth.kinds import parse_credential
from ingest.auth.token_source import TokenSource
from ingest.auth.token_store import RedisTokenStore


def race(redis_url: str, stored: dict, base_url: str, threads: int, results) -> None:
    tokens = TokenSource(RedisTokenStore(redis.Redis.from_url(redis_url)),
                         post=partial(token_http.post, connect_timeout=5.0, read_timeout=10.0))
    credential = parse_credential("racing", stored, "test")
    gate = threading.Barrier(threads)

    def ask():
        gate.wait()
        results.put(tokens.token(credential, base_url).access)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
