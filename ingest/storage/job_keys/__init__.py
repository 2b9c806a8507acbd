"""Which records a job has counted already, in Redis: one hash per job.

A job's `records` count is how many distinct records it stored or saw, summed over its
collections, which is exactly the rows of its frames (`job.frames()`). A page that holds the same
post twice, or two pages of one job that hold it (Reddit's listings overlap, a comment thread
repeats its post), count it once: the first node to reach a record counts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.storage.redis_scripts import register_scripts

DEFAULT_TTL = 30 * 24 * 3600.0


class JobRecordKeys:
    def __init__(self, client, prefix: str = "ingest:job-records", ttl: float = DEFAULT_TTL) -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")
        self.ttl = int(ttl)
        self._count = register_scripts(client, __package__, ("count",))["count"]

    def key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}"

    def first_counted(self, job_id: str, collection: str, keys: Sequence[str], node: str) -> int:
        """How many of `keys` count for `node`: those no other node of the job reached first."""
        if not keys:
            return 0
        return int(self._count(keys=[self.key(job_id)], args=[node, str(self.ttl), collection, *keys]))

    def first_counted_on(self, pipeline, job_id: str, collection: str, keys: Sequence[str], node: str) -> None:
        """`first_counted` queued on a pipeline, whose answer in its place is the count; `keys`
        must not be empty. Queued by the script's digest (a pipeline given the script itself first
        asks Redis whether it has it, a round trip of its own): a Redis that has not the script
        (restarted) fails the pipeline with NoScriptError, and `first_counted` then loads it."""
        pipeline.evalsha(self._count.sha, 1, self.key(job_id), node, str(self.ttl), collection, *keys)

    def forget(self, job_id: str) -> None:
        self.client.delete(self.key(job_id))
