"""A pull's pool of credentials: each call goes out with one of them, under that credential's
own limit, and a credential the API refused for good leaves the pool for the rest of the job.

The requests a page adds are dealt over the pool in turn, each noting its credential in its
context (a name, never a secret), so every credential gets an equal share of every page; a
request without one (a root) takes the credential its URL and query choose. Each credential's
limit has its own waiting room, so k credentials carry k times the calls of one.

    ingest:pool:<job id>:refused   the names that left, kept as long as a job may run
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from ingest.connectors.base import Request

POOL_KEY = "ingest:pool:{job}:refused"
CONTEXT_KEY = "credential"
KEPT_SECONDS = 7 * 24 * 3600


class CredentialPool:
    def __init__(self, client) -> None:
        self.client = client

    def usable(self, job_id: str, names: list[str]) -> list[str]:
        """The names still in the job's pool."""
        if len(names) < 2:
            return names
        refused = {name.decode() if isinstance(name, bytes) else name
                   for name in self.client.smembers(POOL_KEY.format(job=job_id))}
        return [name for name in names if name not in refused]

    def leave(self, job_id: str, name: str) -> None:
        key = POOL_KEY.format(job=job_id)
        pipe = self.client.pipeline()
        pipe.sadd(key, name)
        pipe.expire(key, KEPT_SECONDS)
        pipe.execute()


def deal(requests: list[Request], names: list[str], page: Request) -> list[Request]:
    """The requests a page adds, each given the next credential of the pool in turn, starting
    where the page's own digest says so that pages do not all start on the same one."""
    if len(names) < 2:
        return requests
    start = _digest(page) % len(names)
    return [replace(request, context={**request.context, CONTEXT_KEY: names[(start + place) % len(names)]})
            for place, request in enumerate(requests)]


def credential_for(request: Request, names: list[str]) -> str | None:
    """The credential of the pool `names` that `request` goes out with: the one it was dealt
    while that one is still in the pool, else the one its URL and query choose."""
    if not names:
        return None
    dealt = request.context.get(CONTEXT_KEY)
    if dealt in names:
        return dealt
    return names[_digest(request) % len(names)]


def _digest(request: Request) -> int:
    identity = json.dumps([request.url, request.params], sort_keys=True, default=str)
    return int(hashlib.sha1(identity.encode("utf-8")).hexdigest()[:8], 16)
