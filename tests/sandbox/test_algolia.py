"""HN Search by Algolia in the sandbox: the documented answer's shape (no recording exists),
its 1,000-hit cap, tags and numeric filters, and hits that agree with the Firebase items."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

DOCUMENTED_ANSWER = {"hits": list, "page": int, "nbHits": int, "nbPages": int, "hitsPerPage": int,
                     "exhaustiveNbHits": bool, "query": str, "params": str, "processingTimeMS": int}
DOCUMENTED_HIT = {"objectID": str, "created_at": str, "created_at_i": int, "author": str, "_tags": list,
                  "_highlightResult": dict}
NULLABLE = ("title", "url", "points", "story_text", "comment_text", "num_comments", "story_id", "parent_id")


def _search(sandbox, path="/algolia/search_by_date", **params):
    answer = sandbox.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_answer_has_the_documented_fields_and_hits(sandbox):
    body = _search(sandbox, "/algolia/search", query="data", tags="story", hitsPerPage=5)
    for name, kind in DOCUMENTED_ANSWER.items():
        assert isinstance(body[name], kind), name
    assert (body["page"], body["hitsPerPage"], len(body["hits"])) == (0, 5, 5)
    assert body["params"].endswith("hitsPerPage=5&query=data&tags=story")
    for hit in body["hits"]:
        for name, kind in DOCUMENTED_HIT.items():
            assert isinstance(hit[name], kind), name
        assert all(name in hit for name in NULLABLE)
        assert hit["_highlightResult"]["title"]["matchLevel"] in ("full", "none")
        assert "story" in hit["_tags"] and f"story_{hit['objectID']}" in hit["_tags"]
    assert "x-ratelimit-limit" not in sandbox.get("/algolia/search").headers


def test_hits_agree_with_the_firebase_items(sandbox):
    body = _search(sandbox, query="data", hitsPerPage=30)
    assert body["nbHits"] > 1000
    for hit in body["hits"]:
        item = sandbox.get(f"/hn/v0/item/{hit['objectID']}.json").json()
        assert (hit["author"], hit["created_at_i"]) == (item["by"], item["time"])
        assert hit["created_at"] == datetime.fromtimestamp(item["time"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert "data" in (item.get("title", "") + " " + item.get("text", "")).lower()
        if item["type"] == "comment":
            assert (hit["comment_text"], hit["parent_id"]) == (item["text"], item["parent"])
    times = [hit["created_at_i"] for hit in body["hits"]]
    assert times == sorted(times, reverse=True)


def test_only_the_first_1000_hits_are_served(sandbox):
    first = _search(sandbox, query="data", hitsPerPage=300)
    assert first["nbHits"] > 1000 and first["nbPages"] == 4
    last = _search(sandbox, query="data", hitsPerPage=300, page=3)
    assert len(last["hits"]) == 100
    beyond = _search(sandbox, query="data", hitsPerPage=100, page=10)
    assert (beyond["hits"], beyond["nbHits"], beyond["nbPages"]) == ([], 0, 0)
    assert beyond["message"].startswith("you can only fetch the 1000 hits for this query")
    clamped = _search(sandbox, query="data", hitsPerPage=5000)
    assert (clamped["hitsPerPage"], len(clamped["hits"]), clamped["nbPages"]) == (1000, 1000, 1)
    truth = sandbox.truth("/algolia/search_by_date?query=data")
    assert len(truth) == first["nbHits"]
    assert [h["objectID"] for h in clamped["hits"]] == truth[:1000]


def test_tags_and_and_or_and_numeric_filters(sandbox):
    stories = _search(sandbox, tags="story", hitsPerPage=1000)["hits"]
    author = stories[0]["author"]
    by_author = _search(sandbox, tags=f"story,author_{author}", hitsPerPage=1000)["hits"]
    assert by_author and {h["author"] for h in by_author} == {author}
    assert {h["objectID"] for h in by_author} == {h["objectID"] for h in stories if h["author"] == author}
    either = _search(sandbox, tags="(ask_hn,show_hn)", hitsPerPage=1000)["hits"]
    assert {t for h in either for t in h["_tags"]} >= {"ask_hn", "show_hn"}
    assert all(h["title"].startswith(("Ask HN:", "Show HN:")) for h in either)
    story = next(h for h in stories if h["num_comments"])
    comments = _search(sandbox, tags=f"comment,story_{story['objectID']}", hitsPerPage=1000)
    assert 0 < comments["nbHits"] <= story["num_comments"]
    assert len(_search(sandbox, tags="front_page")["hits"]) == 20
    low, high = stories[-1]["created_at_i"], stories[len(stories) // 2]["created_at_i"]
    window = _search(sandbox, tags="story", hitsPerPage=1000,
                     numericFilters=f"created_at_i>={low},created_at_i<{high},points>10")["hits"]
    assert window and all(low <= h["created_at_i"] < high and h["points"] > 10 for h in window)
    assert len(window) == sum(1 for h in stories if low <= h["created_at_i"] < high and h["points"] > 10)


@pytest.mark.parametrize("params, message", [
    ({"numericFilters": "karma>1"}, "not a numeric attribute"),
    ({"numericFilters": "points>>1"}, "Invalid syntax for numeric condition"),
    ({"tags": "(story,comment"}, "Unbalanced parentheses"),
    ({"page": "x"}, "page must be an integer"),
])
def test_bad_parameters_answer_algolias_error_shape(sandbox, params, message):
    answer = sandbox.get("/algolia/search", params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == 400 and message in body["message"]


def test_relevance_puts_title_matches_first_then_points(sandbox):
    hits = _search(sandbox, "/algolia/search", query="data", hitsPerPage=1000)["hits"]
    in_title = [h for h in hits if h["title"] and "data" in h["title"].lower()]
    assert hits[:len(in_title)] == in_title
    points = [h["points"] for h in in_title]
    assert points == sorted(points, reverse=True)
