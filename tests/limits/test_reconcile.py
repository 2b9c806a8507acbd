"""Reconciling known limits with the API's headers, and Retry-After, in a real Redis."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, Limiter, LimitReading, LimitScope, Outcome
from tests.limits.support import first_grant

T0 = 2_000_000.0
KNOWN = (KnownLimit(10, 10.0, ("host",)),)


def scope(credential="reader", known=KNOWN):
    return LimitScope(source="mastodon", host="m.example", credential=credential, known=known)


def test_the_api_s_lower_remaining_wins_until_its_reset(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    start = permit.granted_at
    limiter.observe(target, LimitReading(limit=10, remaining=3, reset_after=4.0), Outcome.OK,
                    now=start + 0.2, permit=permit)
    assert [limiter.acquire(target, now=start + k).granted for k in (1.0, 2.0, 3.0)] == [True] * 3
    refused = limiter.acquire(target, now=start + 3.5)
    assert not refused.granted and refused.reason == "window"
    assert refused.wait == pytest.approx(0.7)  # the placeholders leave at the API's reset
    assert limiter.acquire(target, now=start + 4.2).granted


def test_a_looser_reading_never_loosens_our_count(limiter, client):
    target = scope()
    permit = first_grant(limiter, target, T0)
    log = f"{limiter.store.prefix}:known:mastodon:w10:host=m.example:log"
    before = client.zcard(log)
    limiter.observe(target, LimitReading(limit=100, remaining=99, reset_after=1.0), Outcome.OK,
                    now=permit.granted_at + 0.1, permit=permit)
    assert client.zcard(log) == before
    assert not limiter.acquire(target, now=permit.granted_at + 0.5).granted  # spacing still holds


def test_grants_made_after_the_observed_call_count_as_in_flight(limiter):
    target = scope()
    first = first_grant(limiter, target, T0)
    start = first.granted_at
    second = limiter.acquire(target, now=start + 1.0)
    assert second.granted
    # the API counted only the first call: 8 left for it, so 7 for us (the second is in flight)
    limiter.observe(target, LimitReading(remaining=8, reset_after=5.0), Outcome.OK,
                    now=start + 1.1, permit=first)
    snapshot = limiter.snapshot("mastodon", now=start + 1.2)["mastodon"]["m.example"]
    assert snapshot["remaining"] == 7


def test_a_429_without_headers_blocks_the_limit_for_a_window(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    limiter.observe(target, LimitReading(), Outcome.THROTTLED, now=permit.granted_at, permit=permit)
    refused = limiter.acquire(target, now=permit.granted_at + 2.0)
    assert not refused.granted and refused.wait == pytest.approx(8.0)


def test_retry_after_blocks_every_scope_sharing_the_key(limiter):
    host_wide = (KnownLimit(10, 10.0, ("host",)),)
    reader, other = scope("reader", host_wide), scope("other", host_wide)
    permit = first_grant(limiter, reader, T0)
    limiter.observe(reader, LimitReading(retry_after=7.0), Outcome.THROTTLED,
                    now=permit.granted_at, permit=permit)
    refused = limiter.acquire(other, now=permit.granted_at + 2.0)
    assert not refused.granted and refused.reason == "retry_after"
    assert refused.wait == pytest.approx(5.0)


def test_retry_after_blocks_an_unknown_limit_for_every_worker(limiter, client):
    target = LimitScope(source="hn", host="hn.example")
    permit = limiter.acquire(target, now=T0)
    assert permit.granted
    limiter.observe(target, LimitReading(retry_after=30.0), Outcome.THROTTLED, now=T0 + 0.1,
                    permit=permit)
    another_worker = Limiter(client, prefix=limiter.store.prefix)
    refused = another_worker.acquire(target, now=T0 + 10.0)
    assert not refused.granted and refused.reason == "retry_after"
    assert refused.wait == pytest.approx(20.1)
