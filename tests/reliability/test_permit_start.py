"""A node back a hair before its promised slot under a known limit: the limiter grants it the
slot, and the driver starts the call then, in the same run, instead of sending the node to
wait again."""

from __future__ import annotations

import time

import pytest

from ingest import connectors
from ingest.pipeline import limit_scope as limiting
from ingest.connectors.base import Request
from ingest.limits import Limiter
from ingest.jobtree.nodes import node_documents
from tests.reliability.support import driver_for, run_until_granted, unpublished_pull

pytestmark = pytest.mark.stack

SLOW = {"requests": 4, "window": 20.0}  # a slot every 5 s: longer than a call and storing its page
LEAD = 6.0  # the default lead, 0.1 s, is less than the spacing


def _scope(stack, job_id: str, node_id: str):
    job = stack.runtime.jobs.get(job_id)
    [node] = [node for node in node_documents(stack.db, job_id, fields=["request"]) if node["_id"] == node_id]
    connector = connectors.get(job["source"]).for_spec(job["spec"])
    return limiting.scope_for(connector, job["spec"], Request.from_dict(node["request"]), job["options"]["limits"])


def test_a_returning_node_a_hair_before_its_slot_is_granted_it_and_calls_in_the_same_run(healthy_stack):
    stack = healthy_stack
    with unpublished_pull(stack, SLOW) as (job_id, root):
        driver, publish, tree = driver_for(stack)
        assert run_until_granted(driver, publish, job_id, root) == "done"
        [child] = publish.published[-1:]
        assert publish.delays[-1][1] and tree.counts(job_id).by_state["waiting"] == 1, \
            "the next page was not promised a moment under the busy limit"
        limiter = Limiter(stack.redis, lead=LEAD)
        scope = _scope(stack, job_id, child)
        permit = limiter.acquire(scope)
        while not permit.granted:  # take the slot before the child's
            time.sleep(permit.wait)
            permit = limiter.acquire(scope, returning=True)
        slept: list[float] = []
        driver, publish, _ = driver_for(stack, limiter=limiter, sleep=slept.append)
        assert driver.run(job_id, child).value == "done"
        assert publish.published == [], "the node was sent to wait instead of being granted its slot"
        assert len(slept) == 1 and 0 < slept[0] <= LEAD, "the call did not wait for its slot"
        assert stack.runtime.jobs.state(job_id) == "completed"
