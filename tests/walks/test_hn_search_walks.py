"""HN Search walked to the end against the sandbox's truth, which lists every hit of a query,
past the 1,000 Algolia serves: newest first for /search_by_date, the order a sliced walk stores
them; in relevance order for /search, compared as a set once slices reorder it."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from tests.connector_walk import walk

SERVED = 1000


def _truth(sandbox, endpoint: str, **params) -> list[str]:
    return sandbox.truth(f"/algolia/{endpoint}?{urlencode(params)}")


def _walk(sandbox, **params):
    result = walk("hn_search", base_url=sandbox.url + "/algolia", **params)
    keys = result.keys("hn_search_hits")
    assert len(keys) == len(set(keys)), "a hit was stored twice"
    return result, keys


@pytest.mark.parametrize("sort, endpoint", [("date", "search_by_date"), ("relevance", "search")])
def test_a_search_under_the_cap_walks_its_pages_in_order(sandbox, sort, endpoint):
    truth = _truth(sandbox, endpoint, tags="story")
    assert 100 < len(truth) < SERVED
    result, keys = _walk(sandbox, tags="story", sort=sort, hits_per_page=100)
    assert keys == truth
    assert result.calls == math.ceil(len(truth) / 100)
    assert [r.params["page"] for r in result.requests] == list(range(result.calls))


@pytest.mark.parametrize("query", [{"query": "data"}, {"tags": "comment"}, {"query": "chart map"}])
def test_a_search_over_the_cap_is_sliced_by_time_and_stores_every_hit_once_in_order(sandbox, query):
    truth = _truth(sandbox, "search_by_date", **query)
    assert len(truth) > SERVED
    result, keys = _walk(sandbox, **query)
    assert keys == truth
    assert result.calls <= math.ceil(len(truth) / SERVED) + 1
    slices = [r for r in result.requests if r.params["page"] == 0]
    assert len(slices) > 1 and all("created_at_i<=" in r.params["numericFilters"] for r in slices[1:])


def test_small_pages_over_the_cap_read_each_slice_to_its_last_served_page(sandbox):
    truth = _truth(sandbox, "search_by_date", query="data")
    result, keys = _walk(sandbox, query="data", hits_per_page=300)
    assert keys == truth
    slices = math.ceil(len(truth) / SERVED)
    assert result.calls <= slices * math.ceil(SERVED / 300) + 1


def test_by_relevance_over_the_cap_every_hit_is_stored_once(sandbox):
    truth = _truth(sandbox, "search", query="data")
    assert len(truth) > SERVED
    result, keys = _walk(sandbox, query="data", sort="relevance")
    assert set(keys) == set(truth)
    assert result.calls <= 1 + math.ceil(len(truth) / SERVED) + 1
    assert result.requests[0].url.endswith("/search") and result.requests[1].url.endswith("/search_by_date")


def test_by_relevance_a_limit_within_the_cap_keeps_the_most_relevant(sandbox):
    truth = _truth(sandbox, "search", query="data")
    result, keys = _walk(sandbox, query="data", sort="relevance", limit=250)
    assert keys == truth[:250] and result.calls == 1


def test_a_limit_past_the_cap_stops_at_it_with_the_fewest_calls(sandbox):
    truth = _truth(sandbox, "search_by_date", tags="comment")
    result, keys = _walk(sandbox, tags="comment", limit=1500)
    assert keys == truth[:1500] and result.calls == 2


def test_since_and_until_bound_created_at_i(sandbox):
    everything = _walk(sandbox, tags="comment", hits_per_page=1000)[0].records
    times = sorted(int(r.payload["created_at_i"]) for r in everything)
    low, high = times[len(times) // 4], times[3 * len(times) // 4]
    truth = _truth(sandbox, "search_by_date", tags="comment",
                   numericFilters=f"created_at_i>={low},created_at_i<={high}")
    assert len(truth) > SERVED
    result, keys = _walk(sandbox, tags="comment", since=datetime.fromtimestamp(low, timezone.utc),
                         until=datetime.fromtimestamp(high, timezone.utc))
    assert keys == truth
    assert result.calls <= math.ceil(len(truth) / SERVED) + 1
