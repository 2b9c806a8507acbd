"""Known-limit terms, keys, outcomes and overrides: pure rules, no Redis."""

import pytest

from ingest.errors import ParameterError
from ingest.limits import (
    KnownLimit, LimitReading, LimitScope, Outcome, SlidingLogRule, known_limits_with_overrides,
    outcome_for_status,
)
from ingest.limits.limiter import reading_advertises, reading_applies
from ingest.limits.scope import credential_digest

MASTODON = (KnownLimit(300, 300.0, ("host", "credential")), KnownLimit(300, 300.0, ("host", "ip")))


def scope(**changes):
    values = dict(source="mastodon", host="mastodon.social", credential="my-token", group="api",
                  known=MASTODON)
    values.update(changes)
    return LimitScope(**values)


def test_terms_add_a_guard_band_and_a_minimum_spacing():
    terms = SlidingLogRule(guard=0.02).terms(scope())
    assert [t.key for t in terms] == [
        f"mastodon:w300:credential={credential_digest('my-token')}:host=mastodon.social",
        "mastodon:w300:host=mastodon.social:ip=local",
    ]
    first = terms[0]
    assert (first.capacity, first.window, first.span, first.spacing) == (300, 300.0, 306.0, 1.0)
    assert first.ttl == 918.0


def test_keys_never_hold_the_credential_name_and_anonymous_calls_share_one_key():
    keys = [t.key for t in SlidingLogRule().terms(scope(credential="secret-name"))]
    assert not any("secret-name" in key for key in keys)
    anonymous = SlidingLogRule().terms(scope(credential=None))[0].key
    assert "credential=anonymous" in anonymous


def test_limits_for_another_group_do_not_apply_and_groups_get_their_own_key():
    known = (KnownLimit(100, 60.0, ("host",)), KnownLimit(10, 60.0, ("host",), group="search"))
    assert len(SlidingLogRule().terms(scope(known=known, group="api"))) == 1
    terms = SlidingLogRule().terms(scope(known=known, group="search"))
    assert [t.key for t in terms] == ["mastodon:w60:host=mastodon.social",
                                      "mastodon:w60:host=mastodon.social:g=search"]


def test_the_same_counter_named_twice_keeps_the_stricter_limit():
    known = (KnownLimit(100, 60.0, ("host",)), KnownLimit(40, 60.0, ("host",)))
    (terms,) = SlidingLogRule().terms(scope(known=known))
    assert terms.capacity == 40


def test_a_reading_applies_to_the_limits_of_its_window_or_else_to_all():
    terms = SlidingLogRule().terms(scope(known=(KnownLimit(10, 1.0), KnownLimit(300, 300.0, ("ip",)))))
    assert reading_applies(terms, LimitReading(window=300.0)) == [False, True]
    assert reading_applies(terms, LimitReading(window=3.0)) == [True, True]
    assert reading_applies(terms, LimitReading()) == [True, True]


def test_a_reading_advertises_only_the_limits_of_exactly_its_window():
    terms = SlidingLogRule().terms(scope(known=(KnownLimit(10, 1.0), KnownLimit(300, 300.0, ("ip",)))))
    assert reading_advertises(terms, LimitReading(limit=3000, window=300.0)) == [False, True]
    assert reading_advertises(terms, LimitReading(limit=3000, window=3.0)) == [False, False]
    assert reading_advertises(terms, LimitReading(limit=3000)) == [False, False]


def test_outcomes_of_statuses():
    assert outcome_for_status(200) is Outcome.OK
    assert outcome_for_status(429) is Outcome.THROTTLED
    assert outcome_for_status(503) is Outcome.UNAVAILABLE
    assert outcome_for_status(None, timed_out=True) is Outcome.TIMEOUT
    assert outcome_for_status(404) is Outcome.ERROR
    assert [o for o in Outcome if o.is_limit_signal] == [Outcome.THROTTLED, Outcome.TIMEOUT,
                                                         Outcome.UNAVAILABLE]
    assert Outcome("throttled") is Outcome.THROTTLED


def test_overrides_change_every_default_replace_them_or_make_the_limit_unknown():
    assert known_limits_with_overrides(MASTODON, None) == MASTODON
    changed = known_limits_with_overrides(MASTODON, {"requests": 30, "window": 3.0})
    assert changed == (KnownLimit(30.0, 3.0, ("host", "credential"), explicit=True),
                       KnownLimit(30.0, 3.0, ("host", "ip"), explicit=True))
    replaced = known_limits_with_overrides(MASTODON, [{"requests": 5, "window": 1, "per": ["ip"]}])
    assert replaced == (KnownLimit(5.0, 1.0, ("ip",), explicit=True),)
    assert known_limits_with_overrides(MASTODON, []) == ()
    assert known_limits_with_overrides((), {"requests": 10, "window": 1.0}) == (
        KnownLimit(10.0, 1.0, ("host",), explicit=True),)


def test_only_the_connector_s_limits_adopt_what_the_api_advertises():
    assert [t.adopts for t in SlidingLogRule().terms(scope())] == [True, True]
    overridden = scope(known=known_limits_with_overrides(MASTODON, {"requests": 100}))
    assert [t.adopts for t in SlidingLogRule().terms(overridden)] == [False, False]


@pytest.mark.parametrize("overrides", [
    {"requests": 0}, {"requests": "many"}, {"window": -1.0}, {"rate": 3}, {"per": "host"},
    {"per": ["planet"]}, [{"window": 60.0}], "100/min", {"requests": True},
])
def test_bad_overrides_name_the_problem(overrides):
    with pytest.raises(ParameterError):
        known_limits_with_overrides(MASTODON, overrides)
