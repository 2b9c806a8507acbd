"""Parking, taking round robin by job, cancelling, and what a job's status reads."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, LimitScope
from ingest.waiting_room import Released, RoomScope, RoomStore

SCOPE = LimitScope(source="reddit", host="oauth.reddit.com", credential="me",
                   known=(KnownLimit(600, 600.0, ("host", "credential")),))
ROOM = RoomScope(SCOPE, "ingest.reddit", "reddit oauth.reddit.com (me): 600 per 600 s")


@pytest.fixture
def room(client):
    return RoomStore(client, prefix="test:room")


def test_jobs_are_served_round_robin_and_each_job_first_parked_first(room):
    room.park("s1", ROOM, "job-a", ["a1", "a2", "a3", "a4"], due=100.0)
    room.park("s1", ROOM, "job-b", ["b1", "b2"], due=100.0)
    taken = room.take("s1", 5, now=100.0, next_due=101.0)
    assert [node.node_id for node in taken] == ["a1", "b1", "a2", "b2", "a3"]
    assert room.parked_count("s1") == 1 and room.due(100.5) == [] and room.due(101.0) == ["s1"]
    assert room.take("s1", 5, now=101.0, next_due=102.0) == [Released("job-a", "a4")]
    assert room.parked_count("s1") == 0 and room.next_due() is None and not room.has_parked("s1")


def test_a_park_brings_the_scopes_turn_forward_never_back(room):
    room.park("s1", ROOM, "job-a", ["a1"], due=105.0)
    room.park("s1", ROOM, "job-a", ["a2"], due=103.0)
    room.park("s1", ROOM, "job-b", ["b1"], due=109.0)
    assert room.next_due() == 103.0


def test_the_scope_is_kept_for_its_releaser(room):
    room.park("s1", ROOM, "job-a", ["a1"], due=100.0)
    kept = room.room("s1")
    assert kept == ROOM


def test_cancel_empties_the_jobs_parked_nodes_only(room):
    room.park("s1", ROOM, "job-a", ["a1", "a2"], due=100.0)
    room.park("s2", ROOM, "job-a", ["a3"], due=100.0)
    room.park("s1", ROOM, "job-b", ["b1"], due=100.0)
    assert room.cancel("job-a") == 3
    assert room.parked("job-a") == {} and room.parked_count("s1") == 1
    assert room.due(100.0) == ["s1"], "a scope left empty leaves the due set"
    assert [node.node_id for node in room.take("s1", 10, now=100.0, next_due=101.0)] == ["b1"]


def test_a_jobs_parked_nodes_are_counted_by_the_limit_they_wait_on(room):
    other = RoomScope(SCOPE, "ingest.reddit", "another limit")
    room.park("s1", ROOM, "job-a", ["a1", "a2"], due=100.0)
    room.park("s2", other, "job-a", ["a3"], due=100.0)
    assert room.parked("job-a") == {ROOM.label: 2, "another limit": 1}


def test_a_jobs_next_release_is_the_soonest_turn_of_the_scopes_it_has_nodes_parked_in(room):
    room.park("s1", ROOM, "job-a", ["a1"], due=105.0)
    room.park("s2", ROOM, "job-a", ["a2"], due=103.0)
    room.park("s2", ROOM, "job-b", ["b1"], due=101.0)
    assert room.job_due("job-a") == 101.0, "job-b's park brought the shared scope's turn forward"
    room.take("s2", 2, now=101.0, next_due=101.5)
    assert room.job_due("job-a") == 105.0, "a scope the job has nothing left in no longer counts"
    assert room.job_due("job-c") is None


def test_released_nodes_stay_in_the_ledger_until_sent(room):
    room.park("s1", ROOM, "job-a", ["a1", "a2"], due=100.0)
    taken = room.take("s1", 2, now=100.0, next_due=101.0)
    room.sent("s1", taken[:1])
    assert room.unsent(older_than=100.0) == [("s1", Released("job-a", "a2"))]
    assert room.unsent(older_than=99.0) == []


def test_many_nodes_park_in_batches(room):
    room.park("s1", ROOM, "job-a", [f"n{i}" for i in range(2500)], due=100.0)
    assert room.parked_count("s1") == 2500
    assert [node.node_id for node in room.take("s1", 3, now=100.0, next_due=100.0)] == ["n0", "n1", "n2"]
