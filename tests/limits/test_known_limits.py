"""Known limits in a real Redis: all or none, never above L in any window, use of L, boot,
promised moments and the lead of a returning caller."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, Limiter, LimitScope, SlidingLogRule

from tests.limits.support import counts_in_fixed_windows, most_in_any_window, saturate

T0 = 1_000_000.0


def scope(credential="reader", known=(KnownLimit(30, 3.0, ("host",)),), host="m.example", **changes):
    return LimitScope(source="mastodon", host=host, credential=credential, known=known, **changes)


@pytest.fixture
def strict(client):
    """A limiter that starts a limit whose counts may be lost from an assumed-full log."""
    return Limiter(client, prefix="test:limits", rule=SlidingLogRule(cold_start="assume_full"))


def test_a_new_limit_starts_from_an_assumed_full_log_when_told_to(strict):
    limiter, target = strict, scope()
    permit = limiter.acquire(target, now=T0)
    assert not permit.granted and permit.reason == "window"
    assert permit.wait == pytest.approx(0.06 + 0.15)  # guard band (2% of 3 s) plus 1.5 spacings
    assert limiter.acquire(target, now=T0 + 0.21).granted


def test_a_limit_first_used_once_the_data_is_kept_for_its_span_starts_at_once(strict, client):
    limiter = strict
    limiter.acquire(scope(), now=T0)
    within = limiter.acquire(scope(host="a.example"), now=T0 + 3.0)  # span: 3.06 s
    assert not within.granted and within.wait == pytest.approx(0.21), "it may have lost grants"
    assert limiter.acquire(scope(host="b.example"), now=T0 + 3.06).granted
    assert limiter.acquire(scope(), now=T0 + 20.0).granted
    client.delete(*limiter.store.known_keys(limiter.rule.terms(scope())[0]))  # as when its keys expire
    assert limiter.acquire(scope(), now=T0 + 20.5).granted


def test_after_the_data_is_lost_every_limit_starts_full_for_a_span(strict, client):
    limiter = strict
    limiter.acquire(scope(), now=T0)
    client.flushdb()
    for host, at in (("m.example", T0 + 20.0), ("a.example", T0 + 23.0)):
        permit = limiter.acquire(scope(host=host), now=at)
        assert not permit.granted and permit.wait == pytest.approx(0.21), host
    assert limiter.acquire(scope(host="b.example"), now=T0 + 23.06).granted


def test_a_permit_is_taken_in_every_limit_or_in_none(limiter, client):
    known = (KnownLimit(100, 10.0, ("host",)), KnownLimit(2, 10.0, ("host", "credential")))
    reader, other = scope("reader", known), scope("other", known)
    host_log = f"{limiter.store.prefix}:known:mastodon:w10:host=m.example:log"
    start = T0 + 20.0
    limiter.acquire(reader, now=T0)
    limiter.acquire(other, now=T0)
    assert limiter.acquire(reader, now=start).granted       # boot entries have expired
    entries = client.zcard(host_log)
    refused = limiter.acquire(reader, now=start + 0.5)      # the host limit has room, ours not
    assert not refused.granted and refused.reason == "spacing"
    assert client.zcard(host_log) == entries
    host_state = client.hgetall(f"{limiter.store.prefix}:known:mastodon:w10:host=m.example:state")
    assert int(host_state[b"granted"]) == 1 and int(host_state[b"denied"]) == 3  # 2 at boot
    assert limiter.acquire(other, now=start + 0.5).granted  # another credential, same host
    assert client.zcard(host_log) == entries + 1


def test_saturated_demand_never_exceeds_l_in_any_window_and_uses_at_least_95_percent(limiter):
    target = scope()
    grants = saturate(limiter, target, T0, T0 + 30.0)
    assert most_in_any_window(grants, 3.0) <= 30
    for origin in (0.0, 0.37, 1.5, 2.99):
        counts = counts_in_fixed_windows(grants, 3.0, T0 + origin, T0, T0 + 30.0)
        assert len(counts) >= 8
        assert min(counts) >= 0.95 * 30, (origin, counts)


def test_several_limits_hold_together_under_saturated_demand(limiter):
    known = (KnownLimit(50, 5.0, ("host",)), KnownLimit(20, 1.0, ("host", "credential")))
    grants = saturate(limiter, scope(known=known), T0, T0 + 20.0)
    assert most_in_any_window(grants, 5.0) <= 50
    assert most_in_any_window(grants, 1.0) <= 20
    assert len(grants) >= 0.95 * 50 * 3


@pytest.mark.parametrize("cold_start, first_wait", [
    ("assume_full", 0.21),  # guard band + 1.5 spacings
    ("probe", 0.1),         # an API that reports nothing: one spacing
])
def test_keys_lost_mid_window_do_not_allow_a_burst(client, cold_start, first_wait):
    limiter = Limiter(client, prefix="test:limits", rule=SlidingLogRule(cold_start=cold_start))
    target = scope()
    flushed = []

    def flush_once(now):
        if not flushed and now >= T0 + 10.5:
            client.flushdb()
            flushed.append(now)

    grants = saturate(limiter, target, T0, T0 + 25.0, on_time=flush_once)
    assert flushed
    assert most_in_any_window(grants, 3.0) <= 30
    after = [t for t in grants if t >= flushed[0]]
    assert after[0] - flushed[0] == pytest.approx(first_wait, abs=2e-3)
    counts = counts_in_fixed_windows(grants, 3.0, T0, flushed[0] + 3.0, T0 + 25.0)
    assert min(counts) >= 0.95 * 30


def test_a_limit_overridden_lower_applies_at_once(limiter):
    limiter.acquire(scope(), now=T0)
    grants = saturate(limiter, scope(known=(KnownLimit(10, 3.0, ("host",)),)), T0 + 1.0, T0 + 16.0)
    assert most_in_any_window(grants, 3.0) <= 10


def test_callers_refused_together_are_each_promised_their_own_moment_and_granted_at_it(limiter):
    target = scope()  # 30 per 3 s: span 3.06 s, so one grant every 0.102 s at most
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    assert limiter.acquire(target, now=start).granted
    waits = [limiter.acquire(target, now=start + 0.01).wait for _ in range(5)]
    assert waits == pytest.approx([0.09 + 0.102 * n for n in range(5)])
    for wait in waits:
        assert limiter.acquire(target, now=start + 0.01 + wait, returning=True).granted


def test_grants_keep_to_the_grid_when_they_come_late(limiter):
    target = scope()  # spacing 0.1 s
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    late = [start + 0.1 * n + (0.03 if n % 2 else 0.0) for n in range(1, 30)]
    assert limiter.acquire(target, now=start).granted
    assert all(limiter.acquire(target, now=at).granted for at in late)


def test_a_returning_caller_a_hair_early_is_granted_its_slot_and_starts_then(limiter):
    target = scope()  # spacing 0.1 s; the limiter's lead 0.1 s
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    limiter.acquire(target, now=start)
    queued = [limiter.acquire(target, now=start + 0.01).wait for _ in range(3)]
    assert queued == pytest.approx([0.09 + 0.102 * n for n in range(3)])
    permit = limiter.acquire(target, now=start + 0.095, returning=True)
    assert permit.granted and permit.wait == pytest.approx(0.005)
    assert permit.granted_at == pytest.approx(start + 0.1)
    new = limiter.acquire(target, now=start + 0.195)  # as near its slot, but a new caller gets no lead
    assert not new.granted and new.wait == pytest.approx(0.406 - 0.195)


def test_a_returning_caller_whose_slot_was_taken_queues_after_the_others(client):
    limiter = Limiter(client, prefix="test:limits", lead=0.02)
    target = scope()
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    limiter.acquire(target, now=start)
    queued = [limiter.acquire(target, now=start + 0.01).wait for _ in range(3)]
    assert queued == pytest.approx([0.09 + 0.102 * n for n in range(3)])  # moments 0.1, 0.202, 0.304
    assert limiter.acquire(target, now=start + 0.1).granted  # a new caller takes the first moment
    back = limiter.acquire(target, now=start + 0.101, returning=True)
    assert not back.granted and back.wait == pytest.approx(0.304 + 0.102 - 0.101)


def test_a_lead_below_zero_is_refused(client):
    with pytest.raises(ValueError, match="lead"):
        Limiter(client, lead=-0.1)


def test_only_a_known_limit_promises_its_moments(limiter):
    limiter.acquire(scope(), now=T0)
    refused = limiter.acquire(scope(), now=T0 + 0.01)
    assert not refused.granted and refused.promised
    assert not limiter.acquire(scope(), now=T0 + 10.0).promised, "a grant promises nothing"
    adaptive = LimitScope(source="hn", host="hn.example")
    permit = limiter.acquire(adaptive, now=T0)
    while permit.granted:
        permit = limiter.acquire(adaptive, now=T0)
    assert not permit.promised


def test_callers_promised_ahead_are_told_what_asking_now_would_tell_them(limiter, client):
    target = scope()
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    assert limiter.acquire(target, now=start).granted
    log = f"{limiter.store.prefix}:known:mastodon:w3:host=m.example:log"
    entries = client.zcard(log)
    waits = limiter.promise(target, 4, now=start + 0.01)
    assert waits == pytest.approx([0.09 + 0.102 * n for n in range(4)])
    assert client.zcard(log) == entries, "a promise granted a permit"
    later = limiter.acquire(target, now=start + 0.02)  # a caller refused after them queues behind
    assert not later.granted and later.wait == pytest.approx(0.01 + 0.09 + 0.102 * 4 - 0.02)
    for wait in waits:
        assert limiter.acquire(target, now=start + 0.01 + wait, returning=True).granted


def test_when_a_call_could_go_now_the_first_caller_is_told_so_and_the_others_queue_after_it(limiter, client):
    target = scope()
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    assert limiter.promise(target, 3, now=start) == pytest.approx([0.0, 0.102, 0.204])
    state = client.hgetall(f"{limiter.store.prefix}:known:mastodon:w3:host=m.example:state")
    assert (int(state[b"denied"]), int(state[b"promised_ahead"])) == (1, 2)  # the ask at boot; two promised
    # as for asking, a caller that could go now is told so; one that could not queues after them
    assert limiter.promise(target, 2, now=start) == pytest.approx([0.0, 0.306])
    assert limiter.acquire(target, now=start + 0.001).granted
    for at in (0.102, 0.204, 0.306):
        assert limiter.acquire(target, now=start + at, returning=True).granted


def test_a_lone_caller_that_could_go_now_is_promised_nothing(limiter):
    target = scope()
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    assert limiter.promise(target, 1, now=start) == [0.0]
    assert limiter.promise(target, 1, now=start) == [0.0]
    assert limiter.acquire(target, now=start).granted
    assert limiter.promise(target, 0, now=start) == []


def test_an_adaptive_rate_promises_nothing_ahead(limiter):
    assert limiter.promise(LimitScope(source="hn", host="hn.example"), 3, now=T0) == [0.0, 0.0, 0.0]
