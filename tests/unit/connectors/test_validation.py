import json
from datetime import datetime, timezone

import pytest

import ingest.connectors as connectors
from ingest.errors import ParameterError, UnknownSourceError
from ingest.connectors.base import Request
from ingest.connectors.validation import NaiveTimeWarning


def test_unknown_parameter_suggests_the_close_name():
    with pytest.raises(ParameterError, match=r"unknown parameter 'tgs'\. Did you mean 'tag'\?"):
        connectors.get("mastodon").validate({"tgs": "python"})


def test_string_is_not_silently_turned_into_an_int():
    with pytest.raises(ParameterError, match=r"limit must be int, got str '5'\. Pass a number, e\.g\. limit=5"):
        connectors.get("mastodon").validate({"limit": "5"})


def test_bool_is_not_an_int_and_int_is_not_a_bool():
    connector = connectors.get("mastodon")
    with pytest.raises(ParameterError, match="limit must be int, got bool"):
        connector.validate({"limit": True})
    with pytest.raises(ParameterError, match="local must be bool, got int"):
        connector.validate({"local": 1})


def test_missing_required_parameter_names_it():
    with pytest.raises(ParameterError, match="missing required parameter 'owner'"):
        connectors.get("rest").validate({"preset": "github_issues", "repo": "requests"})


def test_choices_and_bounds():
    with pytest.raises(ParameterError, match=r"listing='newest' is not allowed"):
        connectors.get("reddit").validate({"subreddit": "python", "listing": "newest"})
    with pytest.raises(ParameterError, match="limit=0 is below the minimum 1"):
        connectors.get("reddit").validate({"subreddit": "python", "limit": 0})


def test_cross_parameter_rules():
    with pytest.raises(ParameterError, match="exactly one of subreddit"):
        connectors.get("reddit").validate({})
    with pytest.raises(ParameterError, match="does not exist for a user"):
        connectors.get("reddit").validate({"user": "spez", "listing": "hot"})
    with pytest.raises(ParameterError, match="exactly one of q="):
        connectors.get("bluesky").validate({"q": "x", "actor": "y"})


def test_datetimes_become_utc_iso_strings_and_naive_ones_are_read_as_utc():
    connector = connectors.get("mastodon")
    spec = connector.validate({"since": datetime(2024, 5, 1, 2, tzinfo=timezone.utc), "until": "2024-06-01"})
    assert spec["since"] == "2024-05-01T02:00:00Z"
    assert spec["until"] == "2024-06-01T00:00:00Z"
    with pytest.warns(NaiveTimeWarning, match="has no time zone; read as UTC"):
        assert connector.validate({"since": datetime(2024, 5, 1)})["since"] == "2024-05-01T00:00:00Z"
    with pytest.raises(ParameterError, match="ISO-8601"):
        connector.validate({"since": "last tuesday"})


def test_spec_is_complete_normalised_and_validates_to_itself():
    connector = connectors.get("mastodon")
    spec = connector.validate({"base_url": "http://127.0.0.1:8000/mastodon/", "tag": "#Python", "limit": 50})
    assert spec["base_url"] == "http://127.0.0.1:8000/mastodon"
    assert spec["tag"] == "Python"
    assert spec["with_context"] is False and spec["incremental"] is False
    assert connector.validate(spec) == spec


def test_unknown_source_lists_the_available_ones_and_suggests():
    with pytest.raises(UnknownSourceError) as caught:
        connectors.get("mastadon")
    assert str(caught.value) == ("No source named 'mastadon'. Did you mean 'mastodon'? "
                                 "Available: bluesky, hackernews, hn_search, mastodon, reddit, rest.")


def test_registry_names_queues_and_help():
    assert connectors.names() == ["bluesky", "hackernews", "hn_search", "mastodon", "reddit", "rest"]
    assert [connectors.get(n).queue for n in connectors.names()] == [
        "ingest.bluesky", "ingest.hackernews", "ingest.hn_search", "ingest.mastodon", "ingest.reddit", "ingest.rest"]
    assert "tag (str, default None): hashtag timeline, without '#'" in connectors.describe("mastodon")


@pytest.mark.parametrize("name, arguments", [
    ("mastodon", {"account": "@someone@example.social", "with_context": True}),
    ("reddit", {"user": "u/spez", "listing": "comments", "limit": 250}),
    ("hackernews", {"items": (8863, 121003), "comment_depth": 2}),
    ("bluesky", {"q": "python", "since": datetime(2025, 1, 1, tzinfo=timezone.utc)}),
    ("rest", {"preset": "github_issues", "owner": "psf", "repo": "requests"}),
])
def test_specs_and_start_requests_are_plain_json_that_round_trip(name, arguments):
    connector = connectors.get(name)
    spec = connector.validate(arguments)
    assert json.loads(json.dumps(spec)) == spec
    assert connector.validate(spec) == spec
    for request in connector.start(spec):
        assert Request.from_dict(json.loads(json.dumps(request.to_dict()))) == request
