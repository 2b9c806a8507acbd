"""Ending a job: its final state, and the watermark a complete pull moves.

The step that ends a job's last live node calls `complete_job`; a status read that finds no
live node while the job still says running (its last step was cut short) calls it too.
Running it twice changes nothing.
"""

from __future__ import annotations

from ingest import connectors
from ingest.storage.job_documents import JobDocuments
from ingest.jobtree.nodes import JobState, now_utc
from ingest.jobtree.tree import Tree


def complete_job(jobs: JobDocuments, tree: Tree, job_id: str) -> JobState | None:
    """Mark a running job completed (with errors, when a node failed); answers the state it
    was given, or None when it was not running. The watermark is committed first, so that a
    pull started as soon as the job reads as completed resumes from it."""
    job = jobs.get_in_state(job_id, JobState.RUNNING.value)
    if job is None:
        return None
    final = JobState.COMPLETED_WITH_ERRORS if tree.has_failures(job_id) else JobState.COMPLETED
    if final is JobState.COMPLETED:
        commit_watermark(jobs, job, tree.watermarks(job_id))
    ended = jobs.move(job_id, final.value, now_utc(), only_from=JobState.RUNNING.value)
    return final if ended else None


def commit_watermark(jobs: JobDocuments, job: dict, watermarks: list[dict]) -> None:
    """Fold the watermarks of the job's pages into the one stored for its query, so only
    complete pulls move it."""
    connector = connectors.get(job["source"]).for_spec(job["spec"])
    merged = None
    for watermark in watermarks:
        merged = connector.merge_watermarks(merged, watermark)
    if merged is None:
        return
    jobs.fold_watermark(connector.name, connector.query_key(job["spec"]),
                        lambda stored: connector.merge_watermarks(stored, merged), job["_id"], now_utc())
