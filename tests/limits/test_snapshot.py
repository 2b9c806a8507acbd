"""The plain-dict view of the limiter: per source and host."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, LimitReading, LimitScope, Outcome

T0 = 4_000_000.0


def test_snapshot_shows_rate_limit_remaining_reset_and_counts_per_source_and_host(limiter, client):
    known = (KnownLimit(10, 10.0, ("host",)), KnownLimit(5, 10.0, ("host", "credential")))
    mastodon = LimitScope(source="mastodon", host="m.example", credential="my-token-name", known=known)
    hn = LimitScope(source="hn", host="hn.example")
    limiter.acquire(mastodon, now=T0)
    permit = limiter.acquire(mastodon, now=T0 + 12.0)  # the boot entries have expired
    limiter.observe(mastodon, LimitReading(), Outcome.THROTTLED, now=T0 + 12.0, permit=permit)
    limiter.acquire(hn, now=T0)

    view = limiter.snapshot(now=T0 + 13.0)
    assert set(view) == {"mastodon", "hn"}
    entry = view["mastodon"]["m.example"]
    assert entry["mode"] == "known"
    assert (entry["limit"], entry["rate"]) == (5, 0.5)  # the tightest limit of the host
    assert entry["remaining"] == 0 and entry["reset"] == pytest.approx(9.0)
    assert (entry["granted"], entry["denied"], entry["refusals"]) == (1, 1, 1)
    assert [limit["limit"] for limit in entry["limits"]] == [5, 10]
    adaptive = view["hn"]["hn.example"]
    assert adaptive["mode"] == "adaptive" and adaptive["granted"] == 1
    assert adaptive["rate"] == pytest.approx(limiter.curve.rate_at(limiter.curve.start(T0), T0 + 13.0))
    assert adaptive["limit"] is None and adaptive["remaining"] is None
    assert limiter.snapshot("hn", now=T0 + 13.0) == {"hn": view["hn"]}
    assert not any(b"my-token-name" in key for key in client.keys("*"))


def test_snapshot_of_an_unknown_source_is_empty(limiter):
    assert limiter.snapshot("reddit") == {"reddit": {}}


def test_a_host_used_both_with_and_without_a_known_limit_shows_the_known_one(limiter):
    limiter.acquire(LimitScope(source="hn", host="hn.example"), now=T0)
    limiter.acquire(LimitScope(source="hn", host="hn.example", known=(KnownLimit(10, 10.0, ("host",)),)), now=T0 + 1.0)
    entry = limiter.snapshot(now=T0 + 2.0)["hn"]["hn.example"]
    assert entry["mode"] == "known" and entry["limit"] == 10 and [l["limit"] for l in entry["limits"]] == [10]
    assert entry["adaptive"]["mode"] == "adaptive" and entry["adaptive"]["granted"] == 1


def test_the_apis_refusals_are_counted_apart_from_the_asks_our_limiter_made_wait(limiter, client):
    hn = LimitScope(source="hn", host="hn.example")
    permits = [limiter.acquire(hn, now=T0) for _ in range(20)]
    granted = [permit for permit in permits if permit.granted]
    assert 0 < len(granted) < 20, "a burst of asks: some granted, the rest made to wait"
    limiter.observe(hn, LimitReading(), Outcome.THROTTLED, now=T0 + 0.1, permit=granted[0])
    entry = limiter.snapshot("hn", now=T0 + 0.2)["hn"]["hn.example"]
    assert (entry["granted"], entry["denied"], entry["refusals"]) == (len(granted), 20 - len(granted), 1)
    (state,) = [key for key in client.keys("*adaptive*") if client.type(key) == b"hash"]
    client.hset(state, "throttles", 4)  # as a state written before the field was named refusals
    assert limiter.snapshot("hn", now=T0 + 0.2)["hn"]["hn.example"]["refusals"] == 5
