"""Known limits in a real Redis: all or none, never above L in any window, use of L, boot,
what a refused caller is told."""

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


def test_a_refused_caller_is_told_when_a_permit_could_be_granted(limiter):
    target = scope()  # 30 per 3 s: one grant every 0.102 s at most
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    assert limiter.acquire(target, now=start).granted
    refused = limiter.acquire(target, now=start + 0.01)
    assert not refused.granted and refused.reason == "spacing" and refused.wait == pytest.approx(0.09)
    assert limiter.acquire(target, now=start + 0.01 + refused.wait).granted


def test_grants_keep_to_the_grid_when_they_come_late(limiter):
    target = scope()  # spacing 0.1 s
    limiter.acquire(target, now=T0)
    start = T0 + 10.0
    late = [start + 0.1 * n + (0.03 if n % 2 else 0.0) for n in range(1, 30)]
    assert limiter.acquire(target, now=start).granted
    assert all(limiter.acquire(target, now=at).granted for at in late)
