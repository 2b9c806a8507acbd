"""What an analyst types in a notebook at the edges: huge numbers, and times as dates, strings,
datetimes and pandas Timestamps, with or without a time zone."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

import ingest.connectors as connectors
from ingest.connectors.validation import LARGEST_INT, NaiveTimeWarning
from ingest.errors import ParameterError

BERLIN_SUMMER = timezone(timedelta(hours=2))


def _since(value) -> str:
    return connectors.get("mastodon").validate({"since": value})["since"]


@pytest.mark.parametrize("value", [
    "2025-05-30", date(2025, 5, 30), "2025-05-30T00:00:00Z", "2025-05-30T02:00:00+02:00",
    datetime(2025, 5, 30, tzinfo=timezone.utc), datetime(2025, 5, 30, 2, tzinfo=BERLIN_SUMMER),
    pd.Timestamp("2025-05-30", tz="UTC"), pd.Timestamp("2025-05-30 02:00", tz="Europe/Berlin"),
])
def test_a_date_or_a_time_with_its_zone_is_taken_without_a_word(value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _since(value) == "2025-05-30T00:00:00Z"


@pytest.mark.parametrize("value", [
    datetime(2025, 5, 30, 10), pd.Timestamp("2025-05-30 10:00"), "2025-05-30T10:00", "2025-05-30 10:00:00",
])
def test_a_time_without_a_zone_is_read_as_utc_and_said_so(value):
    with pytest.warns(NaiveTimeWarning, match=r"mastodon: since=.* has no time zone; read as UTC, 2025-05-30T10:00:00Z"):
        assert _since(value) == "2025-05-30T10:00:00Z"


def test_a_timestamp_validated_again_is_unchanged():
    spec = connectors.get("mastodon").validate({"since": pd.Timestamp("2025-05-30 10:00:00.250", tz="UTC")})
    assert connectors.get("mastodon").validate(spec)["since"] == spec["since"] == "2025-05-30T10:00:00.250000Z"


@pytest.mark.parametrize("value", ["last tuesday", "30/05/2025", 1748563200, pd.NaT, [2025, 5, 30]])
def test_what_is_no_time_is_refused_naming_the_forms_taken(value):
    with pytest.raises(ParameterError, match=r"mastodon: since must be a date, a datetime, a pandas Timestamp or an "
                                             r"ISO-8601 string such as '2024-05-01'"):
        _since(value)


def test_a_huge_limit_is_refused_naming_the_largest_value_allowed():
    with pytest.raises(ParameterError, match=r"limit=10{30} is too large; the largest value allowed is "
                                             r"9223372036854775807 \(2\*\*63 - 1\), or leave limit out"):
        connectors.get("hackernews").validate({"limit": 10**30})


def test_the_largest_int_itself_is_taken():
    assert connectors.get("hackernews").validate({"limit": LARGEST_INT})["limit"] == LARGEST_INT
    assert connectors.get("hackernews").validate({"max_pages": LARGEST_INT})["max_pages"] == LARGEST_INT


def test_a_huge_id_in_a_list_is_refused():
    with pytest.raises(ParameterError, match=r"items holds 10{25}, too large; the largest value allowed is"):
        connectors.get("hackernews").validate({"items": [8863, 10**25]})


def test_a_declared_maximum_is_named_before_the_stores_bound():
    with pytest.raises(ParameterError, match=r"comment_depth=10{30} is above the maximum 100"):
        connectors.get("hackernews").validate({"comment_depth": 10**30})


def test_the_parameter_help_says_how_a_time_without_zone_is_read():
    since = next(param for param in connectors.get("mastodon").params if param.name == "since")
    assert "without a time zone: UTC" in since.describe()


def test_since_after_until_is_refused():
    with pytest.raises(ParameterError, match=r"mastodon: since='2025-06-01T00:00:00Z' is after "
                                             r"until='2025-05-30T00:00:00Z', so nothing would be kept; swap them"):
        connectors.get("mastodon").validate({"since": "2025-06-01", "until": date(2025, 5, 30)})
    assert connectors.get("mastodon").validate({"since": "2025-05-30", "until": "2025-05-30"})["until"]
