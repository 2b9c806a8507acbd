"""How far a job is toward its goal, and when it may end: pure functions of a snapshot's inputs.

The goal is the pull's `limit` where one is given: records of the top-level listing against it,
while that listing is still read. Otherwise (or when the nodes lag behind) it is the nodes the
tree knows: those done or skipped over all of them. Failed and cancelled nodes are no progress,
so a cancelled job, or one with failed nodes, never shows a full bar.

The ETA is the calls still needed over the current rate: the listing's pages still needed for
`limit` (records missing over the page size) and the nodes not yet ended, or the estimate made
before the pull less the calls made, whichever is more. The rate is the mean of the recent
seconds, never above the limit's rate, or the limit's rate before any call.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple, Sequence

from ingest.jobtree.states import JobState, NodeState
from ingest.view.words import time_words

RECORDS_BASIS = "records of limit"
NODES_BASIS = "nodes"
RECENT_SECONDS = 30  # seconds of the rate history the ETA's rate is the mean of
PROGRESS_STATES = (NodeState.DONE.value, NodeState.SKIPPED.value)


class Progress(NamedTuple):
    fraction: float | None   # None while nothing is known
    basis: str               # RECORDS_BASIS or NODES_BASIS
    done: int                # records of the top-level listing, or nodes done or skipped
    goal: int                # the limit, or all nodes known


def job_progress(state: JobState, nodes: Mapping[str, int], goal: int | None,
                 goal_records: int | None, listing_live: bool) -> Progress:
    """The job's progress. `goal` is the pull's limit; `goal_records` the records its top-level
    listing has given so far (None when it is not a paged listing); `listing_live` whether the
    listing still has a page to read."""
    total = sum(nodes.values())
    done = sum(nodes.get(name, 0) for name in PROGRESS_STATES)
    by_nodes = Progress(1.0 if state is JobState.COMPLETED else (done / total if total else None),
                        NODES_BASIS, done, total)
    if goal is None or goal_records is None or state is JobState.COMPLETED:
        return by_nodes
    if not listing_live and state is JobState.RUNNING:
        return by_nodes  # the listing ended: what is left is known as nodes
    by_records = Progress(min(1.0, goal_records / goal), RECORDS_BASIS, min(goal_records, goal), goal)
    if by_nodes.fraction is not None and by_nodes.fraction < by_records.fraction:
        return by_nodes
    return by_records


def goal_fields(snapshot: Any, goal: int | None, goal_records: int | None, page_size: int | None,
                expected_calls: int | None) -> dict[str, Any]:
    """A `JobSnapshot`'s fields of progress toward the pull's `goal` (its limit) and of its ETA."""
    live_top = sum(count for (_kind, depth, name), count in snapshot.groups.items()
                   if depth == 0 and NodeState(name).live)
    progress = job_progress(snapshot.state, snapshot.nodes, goal, goal_records, live_top > 0)
    remaining = speed = None
    if snapshot.state is JobState.RUNNING:
        remaining = remaining_calls(snapshot.nodes, live_top, snapshot.totals["calls"], expected_calls, goal,
                                    goal_records, page_size)
        speed = current_rate(snapshot.rate, snapshot.limit)
    return {"progress": progress.fraction, "progress_basis": progress.basis,
            "progress_counts": (progress.done, progress.goal), "eta": eta_seconds(remaining, speed),
            "eta_calls": remaining, "eta_rate": speed}


def remaining_calls(nodes: Mapping[str, int], live_top: int, calls_made: int, expected_calls: int | None,
                    goal: int | None, goal_records: int | None, page_size: int | None) -> int | None:
    """Calls a running job still needs, or None when they cannot be known (an unbounded listing
    still read, a list not yet answered). `live_top` counts the live nodes at depth 0."""
    live = sum(count for name, count in nodes.items() if not NodeState(name).terminal)
    known: int | None = live
    if live_top and goal is not None and goal_records is not None and page_size:
        known = math.ceil(max(0, goal - goal_records) / page_size) + live - live_top
    elif live_top:
        known = None  # the top level is not known until it has been read
    if expected_calls is not None:
        return max(known or 0, expected_calls - calls_made)
    return known


def current_rate(rate: Sequence[tuple[float, float]], limit: float | None) -> float | None:
    """Calls per second to expect: the mean of the recent seconds, at most the limit's rate;
    the limit's rate when no call was made lately; None when neither is known."""
    recent = [calls for _second, calls in rate[-RECENT_SECONDS:]]
    mean = sum(recent) / len(recent) if recent else 0.0
    if mean <= 0:
        return limit if limit else None
    return min(mean, limit) if limit else mean


def eta_seconds(remaining: int | None, speed: float | None) -> float | None:
    if remaining is None or not speed:
        return None
    return remaining / speed


def ending_word(state: JobState, nodes: Mapping[str, int]) -> str:
    """'cancelled', 'failed' (a job that ended with failed nodes), 'done', or '' while running."""
    if state is JobState.CANCELLED:
        return "cancelled"
    if state is JobState.COMPLETED_WITH_ERRORS and nodes.get(NodeState.FAILED.value, 0):
        return "failed"
    return "" if state is JobState.RUNNING else "done"


def progress_text(progress: Progress, state: JobState, nodes: Mapping[str, int]) -> str:
    """'40.0% · 400 of 1,000 records (limit)', '62.5% · 5 of 8 nodes done', 'cancelled at 40.0% · ...',
    'failed: 2 nodes · 80.0% · ...'."""
    percent = "--.-%" if progress.fraction is None else f"{progress.fraction:.1%}"
    if progress.basis == RECORDS_BASIS:
        detail = f"{progress.done:,} of {progress.goal:,} records (limit)"
    else:
        detail = f"{progress.done:,} of {progress.goal:,} nodes done"
    word = ending_word(state, nodes)
    if word == "cancelled":
        return f"cancelled at {percent} · {detail}"
    if word == "failed":
        failed = nodes.get(NodeState.FAILED.value, 0)
        return f"failed: {failed:,} node{'s' * (failed != 1)} · {percent} · {detail}"
    return f"{percent} · {detail}"


def eta_text(state: JobState, eta: float | None, remaining: int | None, speed: str) -> str:
    """'ETA 2:05 (250 calls at 2/s)', 'ETA unknown', or '' once the job ended; `speed` is the
    rate the ETA counts on, as text."""
    if state is not JobState.RUNNING:
        return ""
    if eta is None:
        return "ETA unknown"
    return f"ETA {time_words(eta)} ({remaining:,} call{'s' * (remaining != 1)} at {speed})"
