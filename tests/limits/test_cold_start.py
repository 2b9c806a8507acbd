"""A known limit whose counts may be lost (a fresh Redis, a flush) starts from the API's own
answer: one probe call at once, the others after its answer; without such answers, after one
spacing."""

from __future__ import annotations

import pytest

from ingest.limits import KnownLimit, Limiter, LimitReading, LimitScope, SlidingLogRule

from tests.limits.support import most_in_any_window, saturate

T0 = 1_000_000.0
REPORTED = (KnownLimit(30, 3.0, ("host",), reported=True),)  # spacing 0.1 s, span 3.06 s
SILENT = (KnownLimit(30, 3.0, ("host",)),)
DEADLINE = 5.0


def scope(known=REPORTED, host="m.example"):
    return LimitScope(source="mastodon", host=host, credential="reader", known=known)


@pytest.fixture
def limiter(client):
    return Limiter(client, prefix="test:limits", rule=SlidingLogRule(probe_deadline=DEADLINE))


def answer(remaining: float, reset_after: float) -> LimitReading:
    return LimitReading(limit=30, remaining=remaining, reset_after=reset_after, window=3.0)


def grants_between(limiter, target, start, end, step=0.01):
    """Moments from `start` to `end` at which an ask every `step` seconds is granted."""
    granted, at = [], start
    while at < end - 1e-9:
        if limiter.acquire(target, now=at).granted:
            granted.append(round(at - start, 6))
        at += step
    return granted


def test_the_first_call_goes_at_once_and_no_other_until_its_answer(limiter):
    probe = limiter.acquire(scope(), now=T0)
    assert probe.granted and probe.wait == 0.0
    for later in (0.0, 0.1, 1.0, 4.9):
        refused = limiter.acquire(scope(), now=T0 + later)
        assert not refused.granted and refused.reason == "probe", later
    assert limiter.acquire(scope(host="a.example"), now=T0 + 0.2).granted  # its own probe
    limiter.observe(scope(), answer(remaining=29, reset_after=2.0), "ok", now=T0 + 0.3, permit=probe)
    assert limiter.acquire(scope(), now=T0 + 0.3).granted


def test_a_caller_refused_for_the_probe_is_told_a_short_wait(limiter):
    limiter.acquire(scope(), now=T0)
    refused = limiter.acquire(scope(), now=T0 + 0.05)
    assert refused.reason == "probe" and 0.0 < refused.wait <= 0.25
    near_deadline = limiter.acquire(scope(), now=T0 + DEADLINE - 0.05)
    assert not near_deadline.granted and near_deadline.reason == "probe"
    assert near_deadline.wait >= 0.05 - 1e-9


def test_the_probe_s_answer_puts_back_the_calls_the_api_counted(limiter):
    probe = limiter.acquire(scope(), now=T0)
    # the API counted 20 calls in its window, the probe included, and resets in 2 s
    limiter.observe(scope(), answer(remaining=10, reset_after=2.0), "ok", now=T0 + 0.05, permit=probe)
    granted = grants_between(limiter, scope(), T0 + 0.05, T0 + 2.5)
    before_reset = [at for at in granted if at < 1.99]  # placeholders expire 2 s after the answer
    assert len(before_reset) == 10
    assert granted[10] == pytest.approx(2.0, abs=0.011)


def test_an_answer_to_a_call_sent_before_the_loss_serves_as_the_probe_s(limiter):
    limiter.observe(scope(), answer(remaining=25, reset_after=3.0), "ok", now=T0)  # counts 5
    granted = grants_between(limiter, scope(), T0, T0 + 3.5)
    assert granted[0] == 0.0, "no probe is needed"
    assert len([at for at in granted if at < 2.99]) == 25
    assert granted[25] == pytest.approx(3.0, abs=0.011)


def test_an_overdue_probe_hands_over_to_the_next_caller(limiter):
    limiter.acquire(scope(), now=T0)
    assert limiter.acquire(scope(), now=T0 + DEADLINE - 0.01).reason == "probe"
    assert limiter.acquire(scope(), now=T0 + DEADLINE).granted
    assert limiter.acquire(scope(), now=T0 + DEADLINE + 0.5).reason == "probe"


def test_a_probe_without_an_answer_hands_over_at_once(limiter):
    probe = limiter.acquire(scope(), now=T0)
    other = limiter.acquire(scope(), now=T0 + 0.1)
    limiter.observe(scope(), LimitReading(), "timeout", now=T0 + 1.0, permit=other)  # not the probe's
    assert limiter.acquire(scope(), now=T0 + 1.0).reason == "probe"
    limiter.observe(scope(), LimitReading(), "timeout", now=T0 + 1.0, permit=probe)
    assert limiter.acquire(scope(), now=T0 + 1.0).granted
    assert limiter.acquire(scope(), now=T0 + 1.5).reason == "probe"


def test_a_probe_answered_without_usable_headers_falls_back_to_one_spacing(limiter):
    probe = limiter.acquire(scope(), now=T0)
    limiter.observe(scope(), LimitReading(), "ok", now=T0 + 0.4, permit=probe)
    refused = limiter.acquire(scope(), now=T0 + 0.4)
    assert not refused.granted and refused.reason == "spacing"
    assert refused.wait == pytest.approx(0.1)
    assert limiter.acquire(scope(), now=T0 + 0.5).granted


def test_an_api_that_reports_nothing_waits_one_spacing(limiter):
    refused = limiter.acquire(scope(SILENT), now=T0)
    assert not refused.granted and refused.reason == "spacing"
    assert refused.wait == pytest.approx(0.1)
    assert limiter.acquire(scope(SILENT), now=T0 + 0.1).granted


def test_a_limit_with_its_counts_kept_needs_no_probe(limiter):
    limiter.acquire(scope(host="a.example"), now=T0)
    assert limiter.acquire(scope(), now=T0 + 4.0).granted  # the data is older than the span
    assert limiter.acquire(scope(), now=T0 + 4.1).granted


def test_the_probe_is_taken_in_every_limit_of_the_scope(limiter):
    known = (KnownLimit(300, 300.0, ("host", "credential"), reported=True),
             KnownLimit(300, 300.0, ("host", "ip"), reported=True))
    probe = limiter.acquire(scope(known), now=T0)
    assert probe.granted
    assert limiter.acquire(scope(known), now=T0 + 0.5).reason == "probe"
    limiter.observe(scope(known), LimitReading(limit=300, remaining=120, reset_after=100.0, window=300.0),
                    "ok", now=T0 + 0.5, permit=probe)
    assert limiter.acquire(scope(known), now=T0 + 1.0).granted
    assert limiter.acquire(scope(known), now=T0 + 1.5).reason == "spacing"


def test_keys_lost_mid_window_under_a_reported_limit_do_not_allow_a_burst(limiter, client):
    """The API counts in fixed windows of 3 s from T0 and answers every call at once."""
    target, flushed, counted = scope(), [], {}

    def flush_once(now):
        if not flushed and now >= T0 + 10.5:
            client.flushdb()
            flushed.append(now)

    def api_answers(at, permit):
        window = int((at - T0) // 3.0)
        counted[window] = counted.get(window, 0) + 1
        reading = answer(remaining=30 - counted[window], reset_after=T0 + 3.0 * (window + 1) - at)
        limiter.observe(target, reading, "ok", now=at, permit=permit)

    grants = saturate(limiter, target, T0, T0 + 25.0, on_time=flush_once, on_grant=api_answers)
    assert flushed
    assert max(counted.values()) <= 30
    # Across the loss the grid alone holds the limit: 31 grants one spacing apart span exactly
    # 3 s, which the sums of floating-point spacings can leave a hair short.
    assert most_in_any_window(grants, 3.0 - 1e-6) <= 30
    after = [t for t in grants if t >= flushed[0]]
    assert after[0] == pytest.approx(flushed[0], abs=1e-9), "the probe goes at once"
    assert after[1] - after[0] >= 0.1 - 1e-9
