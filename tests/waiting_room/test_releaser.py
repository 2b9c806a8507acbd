"""The releaser against a private Redis and a real limiter: releases what the limit allows with
permits, round robin by job; one releaser at a time, another taking over when its lease lapses;
nodes never sent are sent again; a Redis that lost its data has the live nodes sent again."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, Limiter, LimitScope
from ingest.waiting_room import Released, Releaser, RoomScope, RoomStore, scope_digest

SCOPE = LimitScope(source="hackernews", host="hn.example", known=(KnownLimit(10, 1.0, ("host",)),))
ADAPTIVE = LimitScope(source="hackernews", host="hn.example")


class Sent(list):
    def __call__(self, job_id, node_id, queue, granted_at=None):
        self.append((job_id, node_id, queue, granted_at))


@pytest.fixture
def limiter(client):
    limiter = Limiter(client, prefix="test:limits")
    client.set("test:limits:kept_since", 0)  # the data is old: a limit starts empty
    return limiter


@pytest.fixture
def room(client):
    return RoomStore(client, prefix="test:room")


def releaser(room, limiter, holder="one", recovered=None):
    sent = Sent()
    return Releaser(room, limiter, send=sent, recover=lambda: recovered.append(1) or 0 if recovered is not None else 0,
                    holder=holder), sent


def park(room, limiter, scope, job, nodes):
    sid = scope_digest(limiter.scope_id(scope))
    room.park(sid, RoomScope(scope, "ingest.hackernews", "hn"), job, nodes, due=0.0)
    return sid


def test_a_turn_releases_what_the_limit_allows_with_their_permits(room, limiter):
    sid = park(room, limiter, SCOPE, "job-a", ["a1", "a2", "a3"])
    one, sent = releaser(room, limiter)
    pause = one.turn()
    assert [(job, node) for job, node, _, _ in sent] == [("job-a", "a1")]
    assert sent[0][2] == "ingest.hackernews" and sent[0][3] is not None
    assert room.parked_count(sid) == 2 and 0.0 < pause <= 0.1
    assert room.unsent(older_than=1e12) == [], "sent nodes leave the ledger"


def test_jobs_on_one_limit_are_released_in_turn(room, limiter):
    park(room, limiter, ADAPTIVE, "job-a", [f"a{i}" for i in range(6)])
    park(room, limiter, ADAPTIVE, "job-b", [f"b{i}" for i in range(6)])
    one, sent = releaser(room, limiter)
    while len(sent) < 8:
        sid = room.due(1e12)[0]
        one.release(sid)
    jobs = [job for job, *_ in sent[:8]]
    assert jobs.count("job-a") == jobs.count("job-b") == 4


def test_one_releaser_at_a_time_and_another_takes_over_when_its_lease_lapses(room, limiter, client):
    park(room, limiter, SCOPE, "job-a", ["a1", "a2"])
    first, first_sent = releaser(room, limiter, "first")
    second, second_sent = releaser(room, limiter, "second")
    first.turn()
    assert second.turn() == 1.0 and second_sent == [], "the lease is held"
    client.delete("test:room:lease")  # the first releaser died: its lease lapsed
    client.zadd("test:room:due", {room.due(1e12)[0]: 0.0})
    second.turn()
    assert len(first_sent) == 1 and len(second_sent) <= 1


def test_a_node_released_but_never_sent_is_sent_again_without_a_permit(room, limiter):
    sid = park(room, limiter, SCOPE, "job-a", ["a1"])
    room.take(sid, 1, now=1.0, next_due=2.0)  # a releaser took it and died before sending
    one, sent = releaser(room, limiter)
    one.turn()
    assert sent == [("job-a", "a1", "ingest.hackernews", None)]
    assert room.unsent(older_than=1e12) == []


def test_a_redis_that_lost_its_data_has_the_live_nodes_sent_again(room, limiter, client):
    recovered: list = []
    one, _ = releaser(room, limiter, recovered=recovered)
    one.turn()
    one.turn()
    assert recovered == [1], "the first turn on a new Redis looks for the nodes"
    client.flushdb()
    one.turn()
    assert recovered == [1, 1]


def test_a_limit_whose_nodes_cannot_be_sent_holds_up_no_other(room, limiter):
    broken = LimitScope(source="elsewhere", host="other.example", known=(KnownLimit(10, 1.0, ("host",)),))
    broken_sid = scope_digest(limiter.scope_id(broken))
    room.park(broken_sid, RoomScope(broken, "ingest.elsewhere", "elsewhere"), "job-x", ["x1"], due=0.0)
    park(room, limiter, SCOPE, "job-a", ["a1"])
    sent = Sent()

    def send(job_id, node_id, queue, granted_at=None):
        if queue == "ingest.elsewhere":
            raise ValueError("no such queue here")
        sent(job_id, node_id, queue, granted_at)

    one = Releaser(room, limiter, send=send, recover=lambda: 0, holder="one")
    one.turn()
    assert [node for _, node, _, _ in sent] == ["a1"]
    assert room.unsent(older_than=1e12) == [(broken_sid, Released("job-x", "x1"))], \
        "the node it could not send stays in the ledger, to be sent again later"
