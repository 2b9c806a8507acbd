"""Whether a running job is over: one decision for the worker's step, a redelivered message and
a status read, with the clock given."""

from __future__ import annotations

import pytest

from ingest.jobtree.completion import REPAIR_GRACE, STALLED_AFTER, Ending, job_is_over
from ingest.jobtree.states import JobCounts, NodeState

CHANGED = 1000.0


def counts(changed: float | None = CHANGED, **by_state: int) -> JobCounts:
    return JobCounts({state.value: by_state.get(state.value, 0) for state in NodeState}, {}, {}, changed)


class Store:
    """`finished_in_store`, answering as told and counting the (slow) questions."""

    def __init__(self, finished: bool) -> None:
        self.finished = finished
        self.asked = 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.finished


def test_the_grace_and_the_stall_are_the_documented_seconds():
    assert (REPAIR_GRACE, STALLED_AFTER) == (5.0, 60.0)


def test_a_worker_ends_a_job_with_no_live_node_at_once_and_never_asks_the_store():
    store = Store(finished=True)
    assert job_is_over(counts(done=3, failed=1), None, store) is Ending.NOW
    assert job_is_over(counts(changed=None, done=1), None, store) is Ending.NOW
    assert job_is_over(counts(done=3, queued=1), None, store) is Ending.NOT_YET
    assert store.asked == 0


def test_a_status_read_leaves_a_job_with_no_live_node_to_its_worker_for_the_grace():
    idle = counts(done=4)
    assert job_is_over(idle, 1004.0, Store(False)) is Ending.NOT_YET
    assert job_is_over(idle, 1005.0, Store(False)) is Ending.NOT_YET
    assert job_is_over(idle, 1005.25, Store(False)) is Ending.NOW


def test_a_status_read_asks_the_store_only_once_the_tally_has_been_quiet_for_the_stall():
    stuck = counts(done=4, running=1)
    store = Store(finished=True)
    assert job_is_over(stuck, 1059.5, store) is Ending.NOT_YET
    assert job_is_over(stuck, 1060.0, store) is Ending.NOT_YET
    assert store.asked == 0
    assert job_is_over(stuck, 1060.5, store) is Ending.FROM_STORE
    assert store.asked == 1


def test_a_stalled_job_whose_store_has_nodes_without_an_outcome_keeps_running():
    store = Store(finished=False)
    assert job_is_over(counts(done=4, running=1), 2000.0, store) is Ending.NOT_YET
    assert store.asked == 1


@pytest.mark.parametrize("seen", [counts(), counts(changed=None, done=2)], ids=["no nodes", "never changed"])
def test_a_status_read_ends_nothing_without_nodes_or_a_time_of_change(seen):
    store = Store(finished=True)
    assert job_is_over(seen, 5000.0, store) is Ending.NOT_YET
    assert store.asked == 0
