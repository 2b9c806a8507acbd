"""A permit granted for a slot a few hundredths of a second away: the driver starts its call
then, in the same run, instead of sending the node to wait."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.limits import Limiter, Permit
from tests.reliability.support import driver_for, finished_pull, reopen

pytestmark = pytest.mark.stack


class SlotAhead(Limiter):
    """The stack's limiter, whose every grant starts `ahead` seconds later."""

    def __init__(self, client, ahead: float) -> None:
        super().__init__(client)
        self.ahead = ahead

    def acquire(self, scope, now=None, returning=False) -> Permit:
        permit = super().acquire(scope, now, returning)
        if not permit.granted:
            return permit
        return replace(permit, wait=self.ahead, granted_at=permit.granted_at + self.ahead)


def test_a_grant_for_a_slot_just_ahead_waits_for_it_and_calls(healthy_stack):
    stack = healthy_stack
    job, _, nodes = finished_pull(stack)
    reopen(stack, job, nodes[2])
    slept: list[float] = []
    driver, publish, _ = driver_for(stack, limiter=SlotAhead(stack.redis, 0.03), sleep=slept.append)
    assert driver.run(job.id, nodes[2]["_id"], recovering=True).value == "done"
    assert slept == [0.03] and publish.published == [], "the node waited for its slot in the run"
    assert job.status()["state"] == "completed"
