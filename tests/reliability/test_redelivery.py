"""A killed worker's message comes back and its node runs again, at whatever step the worker
died. The two steps a kill rarely hits by chance are set up here exactly: the node had already
registered its children, or it had ended the job's last node but not the job."""

from __future__ import annotations

import pytest

from ingest.storage import mongo
from tests.reliability.support import driver_for, finished_pull, reopen

pytestmark = pytest.mark.stack


def test_a_node_run_again_after_registering_its_children_registers_no_new_ones(healthy_stack):
    stack = healthy_stack
    job, status, nodes = finished_pull(stack)
    reopen(stack, job, nodes[1])
    driver, publish, _ = driver_for(stack)
    assert driver.run(job.id, nodes[1]["_id"], recovering=True).value == "done"
    assert stack.db[mongo.NODES].count_documents({"job": job.id}) == 2, "the page was registered twice"
    assert publish.published == [nodes[2]["_id"]], "the same child is published again, and no other"
    again = job.status()
    assert again["state"] == "completed"
    counted = ("calls", "records", "retries", "errors")
    assert {name: again["counts"][name] for name in counted} == {name: status["counts"][name] for name in counted}


def test_the_redelivered_last_node_ends_a_job_its_worker_left_running(healthy_stack):
    stack = healthy_stack
    job, status, nodes = finished_pull(stack)
    stack.runtime.jobs.move(job.id, "running", None)
    driver, publish, tree = driver_for(stack)
    assert driver.run(job.id, nodes[2]["_id"], recovering=False) is None
    assert job.status()["state"] == "running", "a message that is not a redelivery ends nothing"
    assert driver.run(job.id, nodes[2]["_id"], recovering=True) is None
    assert job.status()["state"] == "completed" and not publish.published
    assert tree.finished_in_store(job.id)
