"""A killed worker's message comes back and its node runs again, at whatever step the worker
died. The two steps a kill rarely hits by chance are made to happen exactly: the worker dies
after its node registered its children and before ending it, or after ending the job's last
node and before ending the job."""

from __future__ import annotations

import time

import pytest

from ingest.jobtree.states import JobState
from tests.reliability.support import (
    FAST, driver_for, finished_pull, lost_before_finishing, run_until_granted, unpublished_pull,
)

pytestmark = pytest.mark.stack

# Not new_records: the reference pull stores the records first, so whether they are new to a
# later pull depends on which test of the package pulled them first.
COUNTED = ("calls", "records", "retries", "errors")


def test_a_node_run_again_after_registering_its_children_registers_no_new_ones(healthy_stack):
    stack = healthy_stack
    _, reference, _ = finished_pull(stack)
    with unpublished_pull(stack, FAST["limits"]) as (job_id, root):
        lost = lost_before_finishing(stack, job_id, root)
        [child] = lost.published
        assert stack.runtime.tree.counts(job_id).by_state["running"] == 1, "the lost node is left running"
        driver, publish, tree = driver_for(stack)
        state = driver.run(job_id, root, recovering=True)
        while state.value == "waiting":  # its call waits its turn under the limit, as on a worker
            time.sleep(publish.delays[-1][0])
            state = driver.run(job_id, root)
        assert state.value == "done"
        assert tree.node_ids(job_id) == [root, child], "the page was registered twice"
        assert [node for node in publish.published if node != root] == [child], \
            "the same child is published again, and no other"
        assert run_until_granted(driver, publish, job_id, child) == "done"
        counts = tree.counts(job_id)
        assert stack.runtime.jobs.state(job_id) == JobState.COMPLETED.value
        assert {name: counts.totals[name] for name in COUNTED} == {
            name: reference["counts"][name] for name in COUNTED}, "the lost run was counted too"


def test_the_redelivered_last_node_ends_a_job_its_worker_left_running(healthy_stack):
    stack = healthy_stack
    job, status, nodes = finished_pull(stack)
    stack.runtime.jobs.move(job.id, JobState.RUNNING.value, None)  # the worker died before ending the job
    driver, publish, tree = driver_for(stack)
    assert driver.run(job.id, nodes[2]["_id"], recovering=False) is None
    assert job.status()["state"] == "running", "a message that is not a redelivery ends nothing"
    assert driver.run(job.id, nodes[2]["_id"], recovering=True) is None
    assert job.status()["state"] == "completed" and not publish.published
    assert tree.finished_in_store(job.id)
