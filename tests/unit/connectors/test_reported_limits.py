"""Which connectors' limits the API reports on every answer (remaining and reset), so that a
limit whose counts were lost starts from one probe call: checked against the recordings."""

from __future__ import annotations

import pytest

import ingest.connectors as connectors
from ingest.limits import LimitScope, SlidingLogRule, known_limits_with_overrides
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange
from tests.unit.connectors.test_advertised_limits import (
    BLUESKY_FILES, GITHUB_FILES, MASTODON_FILES, answered_at,
)
from tests.unit.connectors.test_rest import SEARCH_USERS

mastodon = connectors.get("mastodon")
bluesky = connectors.get("bluesky")
reddit = connectors.get("reddit")
rest = connectors.get("rest")
hn_search = connectors.get("hn_search")

GITHUB = rest.validate({"preset": "github_issues", "owner": "o", "repo": "r", "credential": "gh"})
REPORTED_RECORDINGS = (
    [(mastodon, mastodon.validate({"base_url": "https://fosstodon.org"}), f"mastodon/{name}.json") for name in MASTODON_FILES]
    + [(bluesky, bluesky.validate({"q": "x"}), f"bluesky/{name}.json") for name in BLUESKY_FILES]
    + [(rest.for_spec(GITHUB), GITHUB, f"github/{name}.json") for name in GITHUB_FILES]
    + [(reddit, reddit.validate({"subreddit": "python"}), f"reddit/{name}.json")
       for name in ("subreddit_comments", "error_403", "error_404")]
)


@pytest.mark.parametrize("connector, spec, path", REPORTED_RECORDINGS, ids=[path for *_, path in REPORTED_RECORDINGS])
def test_a_reported_limit_s_every_recorded_answer_states_its_remaining_calls(connector, spec, path):
    """GitHub's answers of 2012 to 2016 state no reset: the remaining is enough to reconcile
    (the placeholders then last a window)."""
    assert all(limit.reported for limit in connector.known_limits(spec))
    for exchange in recording(path):
        reading = connector.read_limits(from_exchange(exchange), now=answered_at(exchange))
        assert reading.remaining is not None, exchange.url


def test_hn_search_reports_nothing_and_so_starts_with_the_fail_safe_wait():
    [limit] = hn_search.known_limits(hn_search.validate({"query": "x"}))
    assert not limit.reported
    scope = LimitScope(source="hn_search", host="h", known=(limit,))
    assert [terms.cold_start for terms in SlidingLogRule().terms(scope)] == ["spacing"]


def test_a_rest_definition_reports_only_when_its_headers_name_remaining_and_reset():
    def limits(rate_limit):
        definition = {**SEARCH_USERS, "rate_limit": rate_limit,
                      "known_limit": {"requests": 30, "window": 60, "per": ["host"]}}
        return rest.known_limits(rest.validate({"definition": definition, "q": "x"}))

    assert [limit.reported for limit in limits({"remaining": "x-left", "reset": "x-reset"})] == [True]
    assert [limit.reported for limit in limits({"remaining": "x-left"})] == [False]
    assert [limit.reported for limit in limits(None)] == [False]


def test_a_limit_changed_by_overrides_keeps_whether_the_api_reports_it():
    defaults = rest.known_limits(GITHUB)
    [changed] = known_limits_with_overrides(defaults, {"requests": 100})
    assert changed.reported and changed.explicit
    [replaced] = known_limits_with_overrides(defaults, [{"requests": 100, "window": 60.0}])
    assert not replaced.reported


def test_the_rule_starts_reported_limits_with_a_probe_unless_told_to_assume_a_full_log():
    scope = LimitScope(source="github", host="h", credential="gh", known=rest.known_limits(GITHUB))
    assert [terms.cold_start for terms in SlidingLogRule().terms(scope)] == ["probe"]
    strict = SlidingLogRule(cold_start="assume_full", probe_deadline=10.0)
    assert [(t.cold_start, t.probe_deadline) for t in strict.terms(scope)] == [("assume_full", 10.0)]
    with pytest.raises(ValueError, match="cold_start"):
        SlidingLogRule(cold_start="trust")
    with pytest.raises(ValueError, match="probe_deadline"):
        SlidingLogRule(probe_deadline=0)
