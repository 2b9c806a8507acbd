"""Every read and write of the `jobs` and `watermarks` collections.

A job's document holds what never changes (source, spec, options, code version, created
time) and its state, which moves from running to an end and, by a rerun, back. A watermark
is the incremental state of one source's query, moved only by complete pulls.
States are passed as the strings the store keeps; the job tree owns their meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ingest.storage.mongo import JOBS, WATERMARKS, writing


class JobDocuments:
    """The jobs and watermarks of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(self, document: dict) -> None:
        with writing(self.db):
            self.db[JOBS].insert_one(document)

    def get(self, job_id: str, fields: list[str] | None = None) -> dict | None:
        """The job's document, or only `fields` of it (and `_id`); None when there is no such job."""
        projection = None if fields is None else dict.fromkeys(fields, 1)
        return self.db[JOBS].find_one({"_id": job_id}, projection)

    def get_in_state(self, job_id: str, state: str) -> dict | None:
        """The job's document while it is in `state`."""
        return self.db[JOBS].find_one({"_id": job_id, "state": state})

    def state(self, job_id: str) -> str | None:
        document = self.get(job_id, ["state"])
        return None if document is None else document.get("state")

    def move(self, job_id: str, to: str, finished: datetime | None, *, only_from: str | None = None) -> bool:
        """Set the job's state and finished time (only while it is in `only_from`, when given);
        answers whether the job changed."""
        where: dict[str, Any] = {"_id": job_id}
        if only_from is not None:
            where["state"] = only_from
        with writing(self.db):
            result = self.db[JOBS].update_one(where, {"$set": {"state": to, "finished": finished}})
        return result.modified_count > 0

    def in_state(self, state: str, fields: list[str]) -> list[dict]:
        """`fields` (and `_id`) of every job in `state`."""
        return list(self.db[JOBS].find({"state": state}, dict.fromkeys(fields, 1)))

    def latest(self, where: dict[str, Any], limit: int) -> list[str]:
        """The ids of the newest jobs that match `where`, newest first."""
        found = self.db[JOBS].find(where, {"_id": 1}).sort("created", -1).limit(int(limit))
        return [document["_id"] for document in found]

    def newest(self, where: dict[str, Any], limit: int, fields: list[str]) -> list[dict]:
        """`fields` (and `_id`) of the newest jobs that match `where`, newest first, in one read."""
        return list(self.db[JOBS].find(where, dict.fromkeys(fields, 1)).sort("created", -1).limit(int(limit)))

    def watermark(self, source: str, query: str) -> Any:
        """The stored watermark of a source's query, or None."""
        found = self.db[WATERMARKS].find_one({"_id": _watermark_key(source, query)})
        return found["value"] if found else None

    def fold_watermark(self, source: str, query: str, merge: Callable[[Any], Any], job_id: str,
                       now: datetime) -> None:
        """Store `merge(stored)` as the query's watermark, `stored` being None when there is none."""
        key = _watermark_key(source, query)
        update = {"$set": {"value": merge(self.watermark(source, query)), "updated": now, "job": job_id}}
        try:
            with writing(self.db):
                self.db[WATERMARKS].update_one({"_id": key}, update, upsert=True)
        except DuplicateKeyError:  # inserted meanwhile by another process ending the same job
            with writing(self.db):
                self.db[WATERMARKS].update_one({"_id": key}, update)


def _watermark_key(source: str, query: str) -> str:
    return f"{source}:{query}"
