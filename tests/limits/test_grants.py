"""Batch grants for a waiting room (`Limiter.grant`): what the grid allows now, the slots a late
releaser missed, never above L in any window, and none past a refusal."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, LimitScope

T0 = 1_000_000.0


def scope(known=(KnownLimit(10, 1.0, ("host",)),)):
    return LimitScope(source="mastodon", host="m.example", credential="reader", known=known)


@pytest.fixture
def started(limiter):
    """A limit whose data has been kept for longer than its span: it starts empty."""
    limiter.acquire(scope(), now=T0)
    return T0 + 5.0


def test_a_grant_takes_what_the_grid_allows_now_and_says_when_the_next_frees(limiter, started):
    first = limiter.grant(scope(), 5, now=started)
    assert first.granted_at == (started,) and first.wait == pytest.approx(0.1)
    assert first.now == started


def test_grid_slots_a_late_releaser_missed_are_granted_when_it_comes(limiter, started):
    limiter.grant(scope(), 5, now=started)
    late = limiter.grant(scope(), 5, now=started + 0.35)  # the slots at +0.1, +0.2 and +0.3 went by
    assert len(late.granted_at) == 3 and late.wait == pytest.approx(0.05)


def test_after_an_idle_spell_longer_than_the_catch_up_the_grid_starts_again(limiter, started):
    limiter.grant(scope(), 1, now=started)
    assert len(limiter.grant(scope(), 50, now=started + 3.0).granted_at) == 1


def test_catching_up_never_grants_more_than_the_limit_in_its_window(limiter, started):
    granted = []
    at = started
    while at < started + 4.0:
        grant = limiter.grant(scope(), 50, now=at)
        granted += list(grant.granted_at)
        at += 0.9  # a releaser that always comes nine slots late
    for start in granted:
        in_window = sum(1 for moment in granted if start <= moment < start + 1.0)
        assert in_window <= 10


def test_no_more_than_asked_for_and_none_for_zero(limiter, started):
    limiter.grant(scope(), 1, now=started)
    assert len(limiter.grant(scope(), 2, now=started + 0.55).granted_at) == 2
    assert limiter.grant(scope(), 0, now=started + 0.9).granted_at == ()


def test_a_batch_grant_counts_each_permit_granted(limiter, client, started):
    limiter.grant(scope(), 1, now=started)
    limiter.grant(scope(), 5, now=started + 0.35)
    state = client.hgetall(f"{limiter.store.prefix}:known:mastodon:w1:host=m.example:state")
    assert (int(state[b"granted"]), int(state[b"denied"])) == (1 + 3, 1)  # the ask at boot was denied


def test_an_adaptive_scope_grants_what_its_rate_allows_now(limiter):
    grant = limiter.grant(scope(known=()), 10, now=T0)
    assert 1 <= len(grant.granted_at) < 10 and grant.wait > 0


def test_a_batch_grant_on_counts_lost_sends_one_probe_and_waits_for_its_answer(limiter, client):
    reported = scope(known=(KnownLimit(10, 1.0, ("host",), reported=True),))
    client.flushdb()
    probe = limiter.grant(reported, 5, now=T0)
    assert len(probe.granted_at) == 1 and probe.reason == "probe" and 0 < probe.wait <= 0.25
    assert limiter.grant(reported, 5, now=T0 + 0.2).granted_at == ()


def test_a_releaser_that_observes_no_call_still_sees_the_rate_grow_with_every_workers_successes(client):
    from ingest.limits import Limiter, LimitReading, Permit

    releaser, worker = Limiter(client, prefix="test:limits"), Limiter(client, prefix="test:limits")
    hn = scope(known=())
    at, granted = T0, []
    while at < T0 + 20.0:
        grant = releaser.grant(hn, 50, now=at)
        granted += grant.granted_at
        for moment in grant.granted_at:  # another worker makes the calls and hears the answers
            worker.observe(hn, LimitReading(), "ok", now=at + 0.05, permit=Permit(True, 0.0, "granted", moment))
        at += 0.05
    late = [moment for moment in granted if moment >= T0 + 15.0]
    assert len(late) / 5.0 > 10.0, "the releaser's rate stayed where it first saw the curve"


def test_a_refusal_cuts_the_rate_the_store_paced_at_not_a_stale_one(client):
    from ingest.limits import Limiter, LimitReading, Permit

    releaser, worker = Limiter(client, prefix="test:limits"), Limiter(client, prefix="test:limits")
    hn = scope(known=())
    worker.acquire(hn, now=T0)  # the worker saw the starting rate, then asked no more
    at = T0
    while at < T0 + 20.0:
        for moment in releaser.grant(hn, 50, now=at).granted_at:
            worker.observe(hn, LimitReading(), "ok", now=at + 0.05, permit=Permit(True, 0.0, "granted", moment))
        at += 0.05
    paced = float(client.hget("test:limits:adaptive:mastodon:m.example", "rate"))
    permit = releaser.grant(hn, 1, now=at).permits()[0]
    worker.observe(hn, LimitReading(), "throttled", now=at + 0.05, permit=permit)
    after = worker.snapshot(now=at + 0.1)["mastodon"]["m.example"]["rate"]
    assert after >= 0.5 * paced > 1.0
