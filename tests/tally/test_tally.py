"""The tally's steps, one Redis round trip each, checked against a real redis-server."""

from __future__ import annotations

import threading

from ingest.jobtree.tally import TallyNode

LIVE = None  # `allowed=None`: any live state


def nodes(count: int, kind: str = "page", depth: int = 0, state: str = "queued") -> list[TallyNode]:
    return [TallyNode(f"n{i}", state, depth, kind) for i in range(count)]


def test_added_nodes_are_counted_by_state_and_by_kind_and_depth(tally):
    assert tally.add("j", nodes(3)) == 3
    assert tally.add("j", [TallyNode("c1", "queued", 1, "comments")]) == 1
    counts = tally.counts("j")
    assert counts.nodes == 4
    assert counts.by_state == {"queued": 4}
    assert counts.by_group == {("page", 0, "queued"): 3, ("comments", 1, "queued"): 1}
    assert counts.live == 4


def test_adding_a_known_node_again_changes_nothing(tally):
    tally.add("j", nodes(2))
    tally.move("j", "n0", "running")
    assert tally.add("j", nodes(2)) == 0
    assert tally.counts("j").by_state == {"queued": 1, "running": 1}


def test_a_node_added_waiting_on_a_limit_counts_its_wait_once_and_is_claimed_as_one(tally):
    waiting = TallyNode("w", "waiting", 1, "context", waits=1)
    assert tally.add("j", [waiting, *nodes(1)]) == 2
    assert tally.add("j", [waiting]) == 0
    counts = tally.counts("j")
    assert counts.by_state == {"waiting": 1, "queued": 1}
    assert (counts.totals["waits"], counts.totals.get("refusals", 0)) == (1, 0)
    claimed = tally.move("j", "w", "running", ["queued", "waiting", "retrying"], attempts=1)
    assert (claimed.moved, claimed.before, claimed.waits, claimed.refusals) == (True, "waiting", 1, 0)
    assert [(node.waits, node.refusals) for node in tally.nodes("j") if node.id == "w"] == [(1, 0)]


def test_a_move_counts_the_attempt_and_answers_the_live_nodes_left(tally):
    tally.add("j", nodes(2))
    claimed = tally.move("j", "n0", "running", ["queued", "waiting", "retrying"], attempts=1)
    assert (claimed.moved, claimed.before, claimed.attempts, claimed.live) == (True, "queued", 1, 2)
    done = tally.move("j", "n0", "done", LIVE, calls=1, totals={"records": 100, "new_records": 40})
    assert (done.moved, done.live) == (True, 1)
    counts = tally.counts("j")
    assert counts.by_state == {"queued": 1, "running": 0, "done": 1}
    assert counts.totals == {"calls": 1, "waits": 0, "refusals": 0, "records": 100, "new_records": 40}


def test_a_terminal_node_does_not_move_again(tally):
    tally.add("j", nodes(1))
    tally.move("j", "n0", "done", LIVE, calls=1)
    again = tally.move("j", "n0", "running", LIVE, attempts=1)
    assert (again.moved, again.known, again.before, again.attempts) == (False, True, "done", 0)
    assert tally.counts("j").by_state == {"queued": 0, "done": 1}


def test_a_node_the_tally_does_not_know_is_answered_as_unknown(tally):
    tally.add("j", nodes(1))
    answer = tally.move("j", "elsewhere", "running", LIVE)
    assert (answer.moved, answer.known, answer.live) == (False, False, 1)


def test_a_refusal_gives_the_attempt_back_and_counts_the_call_and_the_refusal_not_a_wait(tally):
    tally.add("j", nodes(1))
    tally.move("j", "n0", "running", LIVE, attempts=1)
    waiting = tally.move("j", "n0", "waiting", ["running"], attempts=-1, refusals=1, calls=1)
    assert (waiting.attempts, waiting.waits, waiting.refusals, waiting.calls) == (0, 0, 1, 1)
    assert tally.counts("j").totals == {"calls": 1, "waits": 0, "refusals": 1}


def test_a_wait_on_our_limiter_counts_a_wait_and_no_call_or_refusal(tally):
    tally.add("j", nodes(1))
    for _ in range(2):
        tally.move("j", "n0", "running", LIVE, attempts=1)
        waiting = tally.move("j", "n0", "waiting", ["running"], attempts=-1, waits=1)
    assert (waiting.attempts, waiting.waits, waiting.refusals, waiting.calls) == (0, 2, 0, 0)
    assert tally.counts("j").totals == {"calls": 0, "waits": 2, "refusals": 0}


def test_a_tally_written_before_waits_and_refusals_were_apart_reads_its_count_as_waits(tally, client):
    nodes_key, counts_key = tally.keys("j")
    client.hset(nodes_key, mapping={"old": "waiting|1|0|3|2|context", "older": "queued|0|0|0|0|page"})
    client.hset(counts_key, mapping={"nodes": 2, "state:waiting": 1, "state:queued": 1,
                                     "total:throttles": 3, "total:calls": 2})
    assert [(node.id, node.kind, node.waits, node.refusals) for node in sorted(tally.nodes("j"), key=lambda node: node.id)] == [
        ("old", "context", 3, 0), ("older", "page", 0, 0)]
    claimed = tally.move("j", "old", "running", ["waiting"], attempts=1)
    assert (claimed.moved, claimed.waits, claimed.refusals, claimed.calls) == (True, 3, 0, 2)
    tally.move("j", "old", "waiting", ["running"], attempts=-1, refusals=1, calls=1)
    assert tally.counts("j").totals == {"calls": 3, "waits": 3, "refusals": 1}
    assert client.hget(nodes_key, "old").decode() == "waiting|1|0|3|1|3|context"


def test_requeue_resets_the_attempts(tally):
    tally.add("j", nodes(1))
    for _ in range(3):
        tally.move("j", "n0", "running", LIVE, attempts=1)
    tally.move("j", "n0", "failed", LIVE)
    again = tally.move("j", "n0", "queued", ["failed"], reset_attempts=True)
    assert (again.moved, again.attempts, again.live) == (True, 0, 1)


def test_concurrent_claims_of_one_node_give_it_to_exactly_one(tally, client):
    tally.add("j", nodes(1))
    winners = []
    start = threading.Barrier(16)

    def claim() -> None:
        start.wait()
        if tally.move("j", "n0", "running", ["queued"], attempts=1).moved:
            winners.append(threading.get_ident())

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert tally.node("j", "n0").attempts == 1


def test_concurrent_steps_on_many_nodes_lose_no_count(tally):
    tally.add("j", nodes(400))

    def work(offset: int) -> None:
        for i in range(offset, 400, 8):
            tally.move("j", f"n{i}", "running", LIVE, attempts=1)
            tally.move("j", f"n{i}", "done", LIVE, calls=1, totals={"records": 10})

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = tally.counts("j")
    assert counts.by_state == {"queued": 0, "running": 0, "done": 400}
    assert counts.totals == {"calls": 400, "waits": 0, "refusals": 0, "records": 4000}
    assert counts.live == 0


def test_recent_errors_keep_the_newest_first_and_are_capped(tally):
    for i in range(60):
        tally.note_error("j", {"node": f"n{i}", "message": f"failure {i}"})
    errors = tally.recent_errors("j")
    assert len(errors) == 50
    assert errors[0]["node"] == "n59"


def test_keys_expire_after_the_jobs_last_step(tally, client):
    tally.add("j", nodes(1))
    nodes_key, counts_key = tally.keys("j")
    assert 0 < client.ttl(nodes_key) <= 600 and 0 < client.ttl(counts_key) <= 600


def test_a_job_the_tally_has_no_record_of_has_no_counts(tally):
    assert tally.counts("missing") is None
    assert not tally.exists("missing")


def server_second(client) -> int:
    return int(client.time()[0])


def test_calls_are_counted_per_server_second(tally, client):
    tally.add("j", nodes(2))
    before = server_second(client)
    tally.move("j", "n0", "waiting", LIVE, refusals=1, calls=3)
    tally.move("j", "n1", "done", LIVE, calls=2)
    after = server_second(client)
    points = tally.rate("j")
    assert sum(calls for _, calls in points) == 5
    assert all(before <= second <= after and second == int(second) for second, _ in points)
    assert [second for second, _ in points] == sorted(second for second, _ in points)


def test_steps_without_calls_and_refused_steps_leave_the_rate_alone(tally):
    tally.add("j", nodes(1))
    tally.move("j", "n0", "running", LIVE, attempts=1)
    tally.move("j", "n0", "done", LIVE)
    tally.move("j", "n0", "running", LIVE, calls=4)
    assert tally.rate("j") == []


def test_the_rate_expires_with_the_tally_and_is_forgotten_with_it(tally, client):
    tally.add("j", nodes(1))
    tally.move("j", "n0", "done", LIVE, calls=1)
    assert 0 < client.ttl(tally.rate_key("j")) <= 600
    tally.forget("j")
    assert tally.rate("j") == []


def test_the_rate_since_a_time_keeps_the_second_it_falls_in_and_later(tally, client):
    now = server_second(client)
    client.hset(tally.rate_key("j"), mapping={now - 5000: 7, now - 10: 1, now - 6: 2, now: 3})
    assert tally.rate("j") == [(now - 5000.0, 7), (now - 10.0, 1), (now - 6.0, 2), (float(now), 3)]
    assert tally.rate("j", since=now - 5.5) == [(now - 6.0, 2), (float(now), 3)]
    assert tally.rate("j", since=now - 4000.0) == [(now - 10.0, 1), (now - 6.0, 2), (float(now), 3)]
    assert tally.rate("j", since=now + 60.0) == []


def test_a_cancelled_job_is_flagged_until_resumed_and_its_counts_are_untouched(tally):
    assert tally.cancelled("j") is None
    tally.add("j", nodes(2))
    assert tally.cancelled("j") is False
    tally.set_cancelled("j", True)
    assert tally.cancelled("j") is True
    assert tally.counts("j").by_state == {"queued": 2}
    tally.set_cancelled("j", False)
    assert tally.cancelled("j") is False


def test_a_claim_says_whether_the_job_is_cancelled_in_the_same_round_trip(tally):
    tally.add("j", nodes(3))
    assert tally.move("j", "n0", "running", ["queued"]).cancelled is False
    tally.set_cancelled("j", True)
    assert tally.move("j", "n1", "running", ["queued"]).cancelled is True
    assert tally.move("j", "n1", "running", ["queued"]).cancelled is True, "a claim refused says it too"
    assert tally.move("j", "gone", "running", ["queued"]).cancelled is True, "so does a node the tally lacks"
    tally.set_cancelled("j", False)
    assert tally.move("j", "n2", "running", ["queued"]).cancelled is False


def test_a_node_is_handed_its_document_when_claimed_and_gives_it_up_when_it_ends(tally, client):
    tally.add("j", [TallyNode("n0", "queued", 0, "page", document='{"page": 1}'), TallyNode("n1", "queued")])
    assert tally.move("j", "n0", "waiting", ["queued"]).document == ""
    assert tally.move("j", "n0", "running", ["waiting"]).document == '{"page": 1}'
    assert tally.move("j", "n0", "running", ["queued"]).document == "", "a refused claim is handed nothing"
    assert tally.move("j", "n1", "running", ["queued"]).document == "", "a node added without one has none"
    tally.move("j", "n0", "done", LIVE)
    assert not client.hexists(tally.documents_key("j"), "n0")
    assert tally.move("j", "n0", "running", None).document == ""


def test_a_node_added_as_ended_keeps_no_document_and_forget_drops_them(tally, client):
    tally.add("j", [TallyNode("n0", "done", document="{}"), TallyNode("n1", "queued", document="{}")])
    assert client.hkeys(tally.documents_key("j")) == [b"n1"]
    tally.forget("j")
    assert not client.exists(tally.documents_key("j"))


def test_the_counts_of_several_jobs_are_read_in_one_round_trip(tally, monkeypatch):
    tally.add("a", nodes(2))
    tally.add("b", nodes(1))
    tally.move("b", "n0", "done", LIVE, calls=3, totals={"records": 7})
    expected = [tally.counts("a"), tally.counts("b"), None]
    round_trips = []
    opened = tally.client.pipeline

    def counted_pipeline(*args, **kwargs):
        pipe = opened(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: round_trips.append(1) or execute(*a, **k)
        return pipe

    def one_by_one(*args, **kwargs):
        raise AssertionError("a job's counts read on its own")

    monkeypatch.setattr(tally.client, "pipeline", counted_pipeline)
    monkeypatch.setattr(tally.client, "hgetall", one_by_one)
    assert tally.counts_many(["a", "b", "missing"]) == expected
    assert round_trips == [1]
    assert expected[1].totals["records"] == 7 and expected[0].by_state == {"queued": 2}
