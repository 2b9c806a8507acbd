"""Ending a job: its final state, and the watermark a complete pull moves.

The step that ends a job's last live node calls `complete_job`; a status read that finds no
live node while the job still says running (its last step was cut short) calls it too.
Running it twice changes nothing.
"""

from __future__ import annotations

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ingest import connectors

from ingest.storage import mongo
from ingest.jobtree.nodes import now_utc
from ingest.jobtree.states import JobState
from ingest.jobtree.tree import Tree


def complete_job(db: Database, tree: Tree, job_id: str) -> JobState | None:
    """Mark a running job completed (with errors, when a node failed); answers the state it
    was given, or None when it was not running. The watermark is committed first, so that a
    pull started as soon as the job reads as completed resumes from it."""
    job = db[mongo.JOBS].find_one({"_id": job_id, "state": JobState.RUNNING.value})
    if job is None:
        return None
    final = JobState.COMPLETED_WITH_ERRORS if tree.has_failures(job_id) else JobState.COMPLETED
    if final is JobState.COMPLETED:
        commit_watermark(db, job, tree.watermarks(job_id))
    with mongo.writing(db):
        ended = db[mongo.JOBS].update_one({"_id": job_id, "state": JobState.RUNNING.value},
                                          {"$set": {"state": final.value, "finished": now_utc()}})
    return final if ended.modified_count else None


def commit_watermark(db: Database, job: dict, watermarks: list[dict]) -> None:
    """Fold the watermarks of the job's pages into the one stored for its query, so only
    complete pulls move it."""
    connector = connectors.get(job["source"]).for_spec(job["spec"])
    merged = None
    for watermark in watermarks:
        merged = connector.merge_watermarks(merged, watermark)
    if merged is None:
        return
    key = f"{connector.name}:{connector.query_key(job['spec'])}"
    stored = db[mongo.WATERMARKS].find_one({"_id": key})
    merged = connector.merge_watermarks(stored["value"] if stored else None, merged)
    update = {"$set": {"value": merged, "updated": now_utc(), "job": job["_id"]}}
    try:
        db[mongo.WATERMARKS].update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:  # inserted meanwhile by another process ending the same job
        db[mongo.WATERMARKS].update_one({"_id": key}, update)
