"""The limit an API advertises for a scope replaces the connector's default, in a real Redis."""

from __future__ import annotations

import pytest

import ingest.connectors as connectors
from ingest.connectors.base import Response
from ingest.limits import KnownLimit, Limiter, LimitReading, LimitScope, Outcome, known_limits_with_overrides
from tests.limits.support import counts_in_fixed_windows, first_grant, most_in_any_window, saturate
from tests.recordings import recording

T0 = 5_000_000.0
WINDOW = 10.0
DEFAULT = (KnownLimit(10, WINDOW, ("host", "credential")),)


def scope(known=DEFAULT, credential="reader"):
    return LimitScope(source="reddit", host="r.example", credential=credential, known=known)


def advertise(limiter, target, permit, limit, remaining=None, window=WINDOW):
    """One answer to the call of `permit`, stating `limit` calls per `window` seconds."""
    reading = LimitReading(limit=limit, remaining=limit - 1 if remaining is None else remaining,
                           reset_after=window - 1.0, window=window)
    limiter.observe(target, reading, Outcome.OK, now=permit.granted_at + 0.1, permit=permit)


def grants_over(limiter, target, start, windows=4):
    """Grant times of callers that always want one, from `start` over `windows` windows."""
    return saturate(limiter, target, start, start + windows * WINDOW)


def per_window(times, start, windows=4):
    return counts_in_fixed_windows(times, WINDOW, start, start - WINDOW, start + windows * WINDOW)


def test_an_advertised_larger_limit_raises_the_scope_s_limit_and_its_pace(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 20)
    assert limiter.acquire(target, now=permit.granted_at + 0.5).granted  # 10 / 20 s apart, not 1 s
    start = permit.granted_at + 1.0
    times = grants_over(limiter, target, start)
    assert max(per_window(times, start)) == 20
    assert min(per_window(times, start)) >= 19


def test_an_advertised_smaller_limit_lowers_it(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 4)
    refused = limiter.acquire(target, now=permit.granted_at + 1.5)
    assert not refused.granted and refused.reason == "spacing"  # 10 / 4 s apart
    start = permit.granted_at + 2.5
    times = grants_over(limiter, target, start)
    assert max(per_window(times, start)) == 4 and most_in_any_window(times, WINDOW) == 4
    entry = limiter.snapshot("reddit", now=start)["reddit"]["r.example"]
    assert (entry["limit"], entry["rate"], entry["set_by"]) == (4, pytest.approx(0.4), "api")


def test_no_reading_raises_past_the_advertised_limit_and_the_guard_band_holds(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 20, remaining=500)  # a remaining above the limit
    later = limiter.acquire(target, now=permit.granted_at + 0.5)
    limiter.observe(target, LimitReading(remaining=400.0, reset_after=5.0), Outcome.OK,
                    now=permit.granted_at + 0.6, permit=later)  # no limit stated
    times = grants_over(limiter, target, permit.granted_at + 1.0, windows=6)
    assert most_in_any_window(times, WINDOW) == 20
    span = WINDOW * (1 + limiter.rule.guard)  # the guard band: any 21 grants span W' at least
    assert most_in_any_window(times, span - 1e-6) == 20


def test_a_limit_stated_for_another_window_only_bounds(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 40, window=60.0)
    start = permit.granted_at + 1.0
    assert most_in_any_window(grants_over(limiter, target, start), WINDOW) == 10
    entry = limiter.snapshot("reddit", now=start)["reddit"]["r.example"]
    assert (entry["limit"], entry["advertised"], entry["set_by"]) == (10, None, "default")


def test_the_latest_advertised_limit_wins(limiter):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 20)
    again = limiter.acquire(target, now=permit.granted_at + 0.5)
    advertise(limiter, target, again, 5)
    start = permit.granted_at + WINDOW
    assert most_in_any_window(grants_over(limiter, target, start), WINDOW) == 5


def test_a_limit_the_user_set_is_bounded_by_the_advertised_one_but_never_raised(limiter):
    users = scope(known_limits_with_overrides(DEFAULT, {"requests": 10}))
    permit = first_grant(limiter, users, T0)
    advertise(limiter, users, permit, 20)
    assert not limiter.acquire(users, now=permit.granted_at + 0.5).granted
    start = permit.granted_at + 1.0
    assert most_in_any_window(grants_over(limiter, users, start), WINDOW) == 10
    entry = limiter.snapshot("reddit", now=start)["reddit"]["r.example"]
    assert (entry["limit"], entry["configured"], entry["advertised"], entry["set_by"]) == (10, 10, 20, "user")
    later = limiter.acquire(users, now=start + 5 * WINDOW)
    advertise(limiter, users, later, 4)
    assert most_in_any_window(grants_over(limiter, users, start + 6 * WINDOW), WINDOW) == 4


def test_every_worker_sees_the_adopted_limit(limiter, client):
    target = scope()
    permit = first_grant(limiter, target, T0)
    advertise(limiter, target, permit, 20)
    other_worker = Limiter(client, prefix=limiter.store.prefix)
    assert other_worker.acquire(target, now=permit.granted_at + 0.5).granted
    entry = other_worker.snapshot("reddit", now=permit.granted_at + 1.0)["reddit"]["r.example"]
    assert (entry["limit"], entry["configured"], entry["advertised"], entry["set_by"]) == (20, 10, 20, "api")
    assert entry["rate"] == pytest.approx(2.0)
    start = permit.granted_at + 1.0
    granted = []
    for step in range(int(4 * WINDOW / 0.05)):  # the two ask in turn, one every 50 ms
        now = start + step * 0.05
        answer = (limiter, other_worker)[step % 2].acquire(target, now=now)
        if answer.granted:
            granted.append(now + answer.wait)
    assert most_in_any_window(granted, WINDOW) == 20
    assert min(per_window(granted, start)) >= 19


def test_reddit_s_recorded_answer_sets_the_limit_of_every_worker(limiter, client):
    reddit = connectors.get("reddit")
    spec = reddit.validate({"subreddit": "python"})
    target = LimitScope(source="reddit", host="oauth.reddit.com", credential="app",
                        known=reddit.known_limits(spec))
    exchange = recording("reddit/error_403.json")[0]  # used 678 + remaining 9322.0, 51 s left
    answer = Response(status=exchange.status, headers=exchange.headers, body=b"", url=exchange.url)
    permit = first_grant(limiter, target, T0, window=600.0)
    limiter.observe(target, reddit.read_limits(answer, now=0.0), Outcome.ERROR,
                    now=permit.granted_at + 0.1, permit=permit)
    entry = Limiter(client, prefix=limiter.store.prefix).snapshot(
        "reddit", now=permit.granted_at + 1.0)["reddit"]["oauth.reddit.com"]
    assert (entry["limit"], entry["configured"], entry["advertised"], entry["set_by"]) == (10000, 600, 10000, "api")
    assert entry["rate"] == pytest.approx(10000 / 600.0)
    assert entry["remaining"] == 9322  # the API counted 678 calls, ours among them
