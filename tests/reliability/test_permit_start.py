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
from tests.reliability.support import driver_for, finished_pull, reopen

pytestmark = pytest.mark.stack

SLOW = {"requests": 10, "window": 7.0}  # a slot every 0.7 s


def _scope(stack, job_id: str, node: dict):
    job = stack.runtime.jobs.get(job_id)
    connector = connectors.get(job["source"]).for_spec(job["spec"])
    return limiting.scope_for(connector, job["spec"], Request.from_dict(node["request"]), job["options"]["limits"])


def test_a_returning_node_a_hair_before_its_slot_is_granted_it_and_calls_in_the_same_run(healthy_stack):
    stack = healthy_stack
    job, _, nodes = finished_pull(stack, limits=SLOW)
    node = nodes[2]
    reopen(stack, job, node, throttles=1)  # refused a permit once: it comes back to its slot
    limiter = Limiter(stack.redis, lead=5.0)  # the default lead, 0.1 s, is less than the spacing
    scope = _scope(stack, job.id, node)
    permit = limiter.acquire(scope)
    while not permit.granted:  # take the slot before the node's
        time.sleep(permit.wait)
        permit = limiter.acquire(scope, returning=True)
    slept: list[float] = []
    driver, publish, _ = driver_for(stack, limiter=limiter, sleep=slept.append)
    assert driver.run(job.id, node["_id"], recovering=True).value == "done"
    assert publish.published == [], "the node was sent to wait instead of being granted its slot"
    assert len(slept) == 1 and 0 < slept[0] <= 5.0, "the call did not wait for its slot"
    assert job.status()["state"] == "completed"
