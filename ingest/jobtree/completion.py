"""Ending a job: whether it is over, its final state, and the watermark a complete pull moves.

`settle_job` is the one place a running job is found over and ended. Three callers reach it:
the step that ended the job's last live node, the redelivered message of a node that finds
nothing left to run, and a status read, which also ends a job whose last step was cut short
(a worker killed between steps, a Redis that lost its data). Running it twice changes nothing.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable

from ingest import connectors
from ingest.jobtree.nodes import now_utc
from ingest.jobtree.states import JobCounts, JobState
from ingest.storage.job_documents import JobDocuments
from ingest.jobtree.tree import Tree

# A running job whose tally has not changed for this long is checked against the store.
STALLED_AFTER = 60.0
# A running job with no live node is ended by the worker that ended its last node; a status
# read ends it only when that has not happened this long after.
REPAIR_GRACE = 5.0


class Ending(str, Enum):
    NOT_YET = "not_yet"
    NOW = "now"                  # no node is live
    FROM_STORE = "from_store"    # the tally missed steps; the store says every node ended


def job_is_over(counts: JobCounts, now: float | None, finished_in_store: Callable[[], bool]) -> Ending:
    """Whether a running job with these counts is over. `now` (unix seconds) is a status read's
    clock; a worker, whose own step found the counts, gives None and ends a job with no live node
    at once. A status read leaves such a job to its worker for REPAIR_GRACE seconds after the
    tally last changed, and asks `finished_in_store` (slow) only once the tally has been quiet
    for STALLED_AFTER seconds."""
    if now is None:
        return Ending.NOW if counts.live == 0 else Ending.NOT_YET
    if sum(counts.by_state.values()) == 0 or counts.changed is None:
        return Ending.NOT_YET
    quiet_for = now - counts.changed
    if counts.live == 0 and quiet_for > REPAIR_GRACE:
        return Ending.NOW
    if quiet_for > STALLED_AFTER and finished_in_store():
        return Ending.FROM_STORE
    return Ending.NOT_YET


def settle_job(jobs: JobDocuments, tree: Tree, job_id: str, counts: JobCounts,
               now: float | None = None) -> JobState | None:
    """End the job if `job_is_over` says so (its tally loaded again from the store first when the
    tally missed steps); answers the state it was given, or None when it was not ended here."""
    ending = job_is_over(counts, now, lambda: tree.finished_in_store(job_id))
    if ending is Ending.NOT_YET:
        return None
    if ending is Ending.FROM_STORE:
        tree.tally.forget(job_id)
        tree.load_tally(job_id)
    return complete_job(jobs, tree, job_id)


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
