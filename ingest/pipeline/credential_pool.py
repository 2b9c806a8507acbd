"""A pull's pool of credentials: each call goes out with one of them, under that credential's
own limit, and a credential the API refused for good leaves the pool for the rest of the job.

    ingest:pool:<job id>:refused   the names that left, kept as long as a job may run
"""

from __future__ import annotations

import hashlib

POOL_KEY = "ingest:pool:{job}:refused"
KEPT_SECONDS = 7 * 24 * 3600


class CredentialPool:
    def __init__(self, client) -> None:
        self.client = client

    def usable(self, job_id: str, names: list[str], node_id: str) -> list[str]:
        """The names still in the pool, in the order to try them for this node: each node starts
        at its own place, so the calls spread over every credential."""
        if len(names) < 2:
            return names
        refused = {name.decode() if isinstance(name, bytes) else name
                   for name in self.client.smembers(POOL_KEY.format(job=job_id))}
        left = [name for name in names if name not in refused]
        if not left:
            return []
        start = int(hashlib.sha1(node_id.encode("utf-8")).hexdigest()[:8], 16) % len(left)
        return left[start:] + left[:start]

    def leave(self, job_id: str, name: str) -> None:
        key = POOL_KEY.format(job=job_id)
        pipe = self.client.pipeline()
        pipe.sadd(key, name)
        pipe.expire(key, KEPT_SECONDS)
        pipe.execute()
