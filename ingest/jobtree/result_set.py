"""A job's whole, growing tree as one Celery `ResultSet`.

Every node is one task whose id is the node id, so `AsyncResult(node_id)` holds the node's
outcome once it has one (runs that hand the node on to another message store none; the result
of the run that ended the job lands just after the job reads as ended). A plain `ResultSet` knows only the results it was given and would call a
job done while its pages still register children; `JobTree` asks the job's tree instead: it
is ready exactly when the job's last live node has ended (see `tree`), and its members are
re-read from the store each time they are asked for.
"""

from __future__ import annotations

import time
from typing import Callable

from celery import Celery
from celery.result import AsyncResult, ResultSet

from ingest.jobtree.states import JobState, NodeState
from ingest.jobtree.tree import Tree
from ingest.jobtree.waiting import poll_until


class JobTree(ResultSet):
    def __init__(self, job_id: str, tree: Tree, app: Celery) -> None:
        self.job_id = job_id
        self.tree = tree
        super().__init__([], app=app)

    @property
    def results(self) -> list[AsyncResult]:
        return [AsyncResult(node_id, app=self.app) for node_id in self.tree.node_ids(self.job_id)]

    @results.setter
    def results(self, _given: list) -> None:
        """The members come from the tree; what `ResultSet.__init__` passes is ignored."""

    def _job_state(self) -> JobState:
        state = self.tree.jobs.state(self.job_id)
        return JobState.RUNNING if state is None else JobState(state)

    def ready(self) -> bool:
        return self._job_state() is not JobState.RUNNING

    def completed_count(self) -> int:
        counts = self.tree.counts(self.job_id)
        return sum(counts.by_state[state.value] for state in NodeState if state.terminal)

    def failed(self) -> bool:
        return self.tree.counts(self.job_id).by_state[NodeState.FAILED.value] > 0

    def successful(self) -> bool:
        return self._job_state() is JobState.COMPLETED

    def waiting(self) -> bool:
        return not self.ready()

    def join(self, timeout: float | None = None, propagate: bool = True, interval: float = 0.5,
             callback: Callable | None = None, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic, **_options) -> JobState:
        """Wait until the job has ended; answers its final state. Node failures do not raise
        (they are the job's errors, see `Job.status`), so `propagate` has no effect here."""
        state, ended = poll_until(self._job_state, lambda state: state is not JobState.RUNNING, timeout, interval,
                                  sleep=sleep, clock=clock)
        if not ended:
            raise TimeoutError(f"job {self.job_id} still running after {timeout:g} s")
        return state

    def __len__(self) -> int:
        return sum(self.tree.counts(self.job_id).by_state.values())

    def __repr__(self) -> str:
        return f"<JobTree {self.job_id}>"
