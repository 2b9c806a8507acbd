"""A pull's pool of credentials: each call goes out with one of them, under that credential's
own limit, and a credential the API refused for good leaves the pool for the rest of the job.

A request's credential follows from the request itself (a digest of its URL and query), so the
calls spread evenly over the pool, and the moment promised to a page's request under its
credential's limit is the one it is granted when it runs: each credential keeps its own queue,
and k credentials carry k times the calls of one.

    ingest:pool:<job id>:refused   the names that left, kept as long as a job may run
"""

from __future__ import annotations

import hashlib
import json

from ingest.connectors.base import Request

POOL_KEY = "ingest:pool:{job}:refused"
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


def credential_for(request: Request, names: list[str]) -> str | None:
    """The credential of the pool `names` that `request` goes out with: the same one whenever
    it is asked, until the pool changes."""
    if not names:
        return None
    identity = json.dumps([request.url, request.params], sort_keys=True, default=str)
    return names[int(hashlib.sha1(identity.encode("utf-8")).hexdigest()[:8], 16) % len(names)]
