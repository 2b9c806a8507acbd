"""HN Search by Algolia: answers shaped as its documentation shows them (no recording exists),
paging by page number, and the time slices a query over the 1,000-hit cap is read in."""

from __future__ import annotations

import pytest

import ingest.connectors as connectors
from ingest.errors import MalformedResponseError, ParameterError
from ingest.limits.types import KnownLimit
from tests.unit.connectors.support import json_response

search = connectors.get("hn_search")
BASE = "http://127.0.0.1:9/algolia"


def hit(object_id: int, second: int, kind: str = "story") -> dict:
    """A hit with the fields the API documentation lists, nulls where the type has none."""
    story = kind == "story"
    return {"created_at": "2024-02-15T12:54:17.000Z", "title": "A title" if story else None,
            "url": "https://example.org/" if story else None, "author": "someone", "points": 3 if story else None,
            "story_text": None, "comment_text": None if story else "A reply", "num_comments": 0 if story else None,
            "story_id": object_id if story else 1, "parent_id": None if story else 1, "created_at_i": second,
            "_tags": [kind, "author_someone", f"story_{object_id if story else 1}"], "objectID": str(object_id),
            "_highlightResult": {"author": {"value": "someone", "matchLevel": "none", "matchedWords": []}}}


def answer(hits: list[dict], *, page: int = 0, nb_hits: int | None = None, per_page: int = 1000,
           nb_pages: int | None = None) -> dict:
    total = len(hits) if nb_hits is None else nb_hits
    pages = nb_pages if nb_pages is not None else -(-min(total, 1000) // per_page)
    return {"hits": hits, "page": page, "nbHits": total, "nbPages": pages, "hitsPerPage": per_page,
            "exhaustiveNbHits": True, "query": "rust", "params": "query=rust", "processingTimeMS": 1}


def test_the_first_request_maps_the_query_and_the_time_bounds():
    spec = search.validate({"base_url": BASE, "query": "rust", "tags": "story,(author_a,author_b)",
                            "numeric_filters": "points>100", "since": "2024-01-01T00:00:00.5Z",
                            "until": "2024-02-01T00:00:00Z"})
    [request] = search.start(spec)
    assert request.url == BASE + "/search_by_date"
    assert request.params == {"query": "rust", "page": 0, "hitsPerPage": 1000, "tags": "story,(author_a,author_b)",
                              "numericFilters": "points>100,created_at_i>=1704067201,created_at_i<=1706745600"}
    relevance = search.validate({"query": "rust", "sort": "relevance", "limit": 30})
    [first] = search.start(relevance)
    assert first.url == "https://hn.algolia.com/api/v1/search"
    assert first.params == {"query": "rust", "page": 0, "hitsPerPage": 30}
    assert search.known_limits(relevance) == (KnownLimit(10_000, 3600.0, per=("host", "ip")),)


def test_pages_are_numbered_from_0_to_nb_pages_minus_1():
    spec = search.validate({"base_url": BASE, "query": "rust", "hits_per_page": 2})
    [request] = search.start(spec)
    first = search.parse(request, json_response(answer([hit(9, 900), hit(8, 800)], nb_hits=3, per_page=2)), spec)
    assert [(r.collection, r.key) for r in first.records] == [("hn_search_hits", "9"), ("hn_search_hits", "8")]
    assert first.records[0].created_at.timestamp() == 900
    assert first.watermark == {"created_at_i": 900}
    assert (first.next.params["page"], first.next.params["hitsPerPage"], first.next.context["emitted"]) == (1, 2, 2)
    last = search.parse(first.next, json_response(answer([hit(7, 700)], page=1, nb_hits=3, per_page=2)), spec)
    assert [r.key for r in last.records] == ["7"] and last.next is None


def test_past_the_cap_the_next_slice_ends_at_the_oldest_second_served_and_skips_what_was_stored():
    spec = search.validate({"base_url": BASE, "query": "rust", "hits_per_page": 500})
    [request] = search.start(spec)
    served = [hit(2000 - i, 10_000 - i // 2) for i in range(1000)]  # two hits a second
    first = search.parse(request, json_response(answer(served[:500], nb_hits=2500, per_page=500)), spec)
    second = search.parse(first.next, json_response(answer(served[500:], page=1, nb_hits=2500, per_page=500)), spec)
    assert len(first.records) == len(second.records) == 500
    following = second.next
    oldest = served[-1]["created_at_i"]
    assert following.url == BASE + "/search_by_date"
    assert following.params == {"query": "rust", "page": 0, "hitsPerPage": 500,
                                "numericFilters": f"created_at_i<={oldest}"}
    assert following.context["skip"] == ["1002", "1001"] and following.context["emitted"] == 1000
    assert following.page == 3
    repeated = [hit(1002, oldest), hit(1001, oldest), hit(1000, oldest - 1)]
    third = search.parse(following, json_response(answer(repeated, per_page=500)), spec)
    assert [r.key for r in third.records] == ["1000"] and third.next is None


def test_a_limit_asks_for_what_is_missing_and_the_hits_a_slice_repeats():
    spec = search.validate({"base_url": BASE, "query": "rust", "limit": 1200})
    [request] = search.start(spec)
    served = [hit(5000 - i, 9000 - i) for i in range(1000)]
    first = search.parse(request, json_response(answer(served, nb_hits=4000)), spec)
    assert first.next.params["hitsPerPage"] == 201 and first.next.context["skip"] == ["4001"]
    rest = [hit(4001, 8001)] + [hit(4000 - i, 8000 - i) for i in range(200)]
    second = search.parse(first.next, json_response(answer(rest, nb_hits=3001, per_page=201)), spec)
    assert len(second.records) == 200 and second.next is None


def test_a_second_served_whole_and_already_stored_is_passed():
    spec = search.validate({"base_url": BASE, "query": "rust"})
    [request] = search.start(spec)
    same_second = [hit(3000 - i, 5000) for i in range(1000)]
    first = search.parse(request, json_response(answer(same_second, nb_hits=1500)), spec)
    assert first.next.params["numericFilters"] == "created_at_i<=5000" and len(first.next.context["skip"]) == 1000
    again = search.parse(first.next, json_response(answer(same_second, nb_hits=1500)), spec)
    assert again.records == []
    assert again.next.params["numericFilters"] == "created_at_i<=4999" and again.next.context["skip"] == []


def test_by_relevance_a_query_past_the_cap_is_read_newest_first_unless_a_limit_fits_the_cap():
    spec = search.validate({"base_url": BASE, "query": "rust", "sort": "relevance", "until": "2024-02-01T00:00:00Z"})
    [request] = search.start(spec)
    over = json_response(answer([hit(10 - i, 100 + i) for i in range(10)], nb_hits=5000))
    page = search.parse(request, over, spec)
    assert page.records == [] and page.children == []
    assert page.next.url == BASE + "/search_by_date"
    assert page.next.params == {"query": "rust", "page": 0, "hitsPerPage": 1000,
                                "numericFilters": "created_at_i<=1706745600"}
    limited = search.validate({"base_url": BASE, "query": "rust", "sort": "relevance", "limit": 10})
    kept = search.parse(search.start(limited)[0], over, limited)
    assert [r.key for r in kept.records] == [str(10 - i) for i in range(10)] and kept.next is None


def test_an_incremental_pull_starts_at_the_newest_second_stored():
    spec = search.validate({"base_url": BASE, "tags": "comment,story_8863", "incremental": True})
    [request] = search.start(spec, {"created_at_i": 1700000000})
    assert request.params["numericFilters"] == "created_at_i>=1700000000"
    assert search.merge_watermarks({"created_at_i": 5}, {"created_at_i": 9}) == {"created_at_i": 9}
    assert search.query_key(spec) == "search_by_date::tags=comment,story_8863:filters=@127.0.0.1:9"


@pytest.mark.parametrize("params, message", [
    ({"tags": "stories"}, "unknown tag 'stories'"),
    ({"tags": "story,(author_a"}, "unbalanced parenthesis"),
    ({"tags": "author_"}, "unknown tag 'author_'"),
    ({"numeric_filters": "created_at_i>1"}, "since= and until="),
    ({"numeric_filters": "karma>1"}, "not 'karma'"),
    ({"numeric_filters": "points>>1"}, "<attribute><operator><number>"),
    ({"hits_per_page": 1001}, "above the maximum"),
    ({"sort": "points"}, "use one of 'date', 'relevance'"),
])
def test_bad_queries_are_refused_before_anything_is_sent(params, message):
    with pytest.raises(ParameterError, match=message):
        search.validate(params)


def test_good_tags_and_filters_pass():
    spec = search.validate({"tags": "(story,poll,pollopt,job),front_page,show_hn,ask_hn,comment,story_1,author_x-y",
                            "numeric_filters": "points>=10, num_comments!=0"})
    assert search.validate(spec) == spec


@pytest.mark.parametrize("body", [[], {"hits": {}}, {"hits": [{"created_at_i": 1}], "nbHits": 1, "nbPages": 1},
                                  {"hits": [hit(1, 1)], "nbHits": "1", "nbPages": 1}])
def test_answers_of_another_shape_are_malformed(body):
    spec = search.validate({})
    with pytest.raises(MalformedResponseError):
        search.parse(search.start(spec)[0], json_response(body), spec)
