"""A page's children under a busy known limit are promised their moments as they are
registered: each waits on the limit from the start and is delivered once, at its moment, to be
granted then, instead of being delivered at once only to be refused and sent to wait."""

from __future__ import annotations

import time

import pytest

from ingest.jobtree.states import JobState
from tests.reliability.support import driver_for, run_until_granted, unpublished_pull

pytestmark = pytest.mark.stack

SLOW = {"requests": 4, "window": 20.0}  # a slot every 5 s: longer than a call and storing its page, on a busy machine too
SPACING = SLOW["window"] / SLOW["requests"]
FREE = {"requests": 100, "window": 1.0}  # a slot every 0.01 s: shorter than a call


def test_a_child_under_a_busy_limit_waits_from_its_registration_and_is_granted_on_its_one_delivery(healthy_stack):
    stack = healthy_stack
    driver, publish, tree = driver_for(stack)
    with unpublished_pull(stack, SLOW) as (job_id, root):
        assert run_until_granted(driver, publish, job_id, root) == "done"
        registered = time.time()
        [child] = publish.published[-1:]
        delay, exact = publish.delays[-1]
        # one spacing, and the limiter's 2 % guard band with it
        assert 0 < delay <= SPACING * 1.05 and exact, "the next page was not promised a moment within one spacing"
        counts = tree.counts(job_id)
        assert counts.by_state["waiting"] == 1 and counts.totals["waits"] >= 1, counts
        assert counts.totals["refusals"] == 0, counts
        time.sleep(max(0.0, registered + delay - time.time()))
        published = len(publish.published)
        assert driver.run(job_id, child).value == "done"
        assert len(publish.published) == published, "the child was refused on its one delivery"
        assert stack.runtime.jobs.state(job_id) == JobState.COMPLETED.value


def test_a_child_under_a_limit_with_room_is_published_to_run_at_once(healthy_stack):
    stack = healthy_stack
    driver, publish, tree = driver_for(stack)
    with unpublished_pull(stack, FREE) as (job_id, root):
        assert run_until_granted(driver, publish, job_id, root) == "done"
        assert publish.delays[-1] == (0.0, False)
        counts = tree.counts(job_id)
        assert counts.by_state["queued"] == 1 and counts.by_state["waiting"] == 0, counts
        assert driver.run(job_id, publish.published[-1]).value == "done"
