"""The Mastodon sandbox answers the new queries in the recordings' shapes, headers and paging."""

from __future__ import annotations

import re

import pytest

from tests.recordings import recording
from tests.sandbox.shapes import shape_problems
from tests.sandbox.test_conformance import TOKEN, assert_same_headers

NEXT_AND_PREV = r'<[^>]+\?{kept}max_id=\d+>; rel="next", <[^>]+\?{kept}{prev}=\d+>; rel="prev"'


def _account(sandbox) -> str:
    statuses = sandbox.get("/mastodon/api/v1/timelines/public?limit=40").json()
    return max((s["account"] for s in statuses), key=lambda a: a["statuses_count"])["id"]


def _conforms(recorded, produced) -> None:
    assert produced.status_code == recorded.status == 200
    assert produced.json(), "the sandbox has items for this query"
    assert shape_problems([recorded.json()], [produced.json()]) == []
    assert_same_headers(recorded, produced)


def test_home_timeline(sandbox):
    recorded = recording("mastodon/home_timeline.json")[0]
    produced = sandbox.get("/mastodon/api/v1/timelines/home?local=FALSE&limit=5", token=TOKEN)
    _conforms(recorded, produced)
    for link in (recorded.header("link"), produced.headers["link"]):
        assert re.fullmatch(NEXT_AND_PREV.format(kept=r"limit=5&local=FALSE&", prev="min_id"), link)


def test_home_and_list_timelines_refuse_a_missing_token_as_mastodon_does(sandbox):
    recorded = recording("mastodon/error_401.json")[0]
    for path in ("/mastodon/api/v1/timelines/home", "/mastodon/api/v1/timelines/list/7001"):
        produced = sandbox.get(path)
        assert produced.status_code == recorded.status == 401
        assert produced.json() == recorded.json() == {"error": "The access token is invalid"}
        assert produced.headers["www-authenticate"] == recorded.header("www-authenticate")


def test_list_timeline(sandbox):
    recorded = recording("mastodon/list_timeline.json")[0]
    lists = sandbox.get("/mastodon/api/v1/lists", token=TOKEN).json()
    assert lists, "the token's account has lists"
    produced = sandbox.get(f"/mastodon/api/v1/timelines/list/{lists[0]['id']}?limit=5", token=TOKEN)
    _conforms(recorded, produced)
    assert sandbox.get(f"/mastodon/api/v1/timelines/list/{lists[0]['id']}", token="other").status_code == 404


@pytest.mark.parametrize("name, query", [("account_statuses.json", "?limit=20&exclude_reblogs=FALSE"),
                                         ("account_statuses_pinned.json", "?pinned=1")])
def test_account_statuses(sandbox, name, query):
    recorded = recording(f"mastodon/{name}")[0]
    produced = sandbox.get(f"/mastodon/api/v1/accounts/{_account(sandbox)}/statuses{query}", token=TOKEN)
    _conforms(recorded, produced)
    rels = lambda link: re.findall(r'rel="(\w+)"', link)  # noqa: E731
    assert rels(produced.headers["link"]) == rels(recorded.header("link"))
    if "pinned" in query:
        assert re.search(r"\?min_id=\d+&pinned=1>", produced.headers["link"])
        assert all(s["pinned"] for s in produced.json())


def test_search_v2(sandbox):
    recorded = recording("mastodon/search_v2.json")
    produced = sandbox.get("/mastodon/api/v2/search?q=music&resolve=1&exclude_unreviewed=1", token=TOKEN)
    assert produced.status_code == 200 and "link" not in produced.headers
    assert set(produced.json()) == set(recorded[0].json())
    assert shape_problems([r.json() for r in recorded], [produced.json()]) == []
    assert produced.json()["hashtags"][0]["name"] == "music"
    statuses = sandbox.get("/mastodon/api/v2/search?q=music&type=statuses&limit=3&offset=3", token=TOKEN).json()
    assert len(statuses["statuses"]) == 3 and statuses["accounts"] == statuses["hashtags"] == []
    assert sandbox.get("/mastodon/api/v2/search?q=music&offset=20").status_code == 401


def test_status_context(sandbox):
    recorded = recording("mastodon/status_context.json")
    page = sandbox.get("/mastodon/api/v1/timelines/public?limit=40").json()
    while not any(s["replies_count"] and s["in_reply_to_id"] for s in page):
        page = sandbox.get(f"/mastodon/api/v1/timelines/public?limit=40&max_id={page[-1]['id']}").json()
    status = next(s for s in page if s["replies_count"] and s["in_reply_to_id"])
    produced = sandbox.get(f"/mastodon/api/v1/statuses/{status['id']}/context", token=TOKEN)
    assert "link" not in produced.headers
    assert shape_problems([r.json() for r in recorded], [produced.json()]) == []


@pytest.mark.parametrize("relation", ["followers", "following"])
def test_followers_and_following(sandbox, relation):
    recorded = recording(f"mastodon/account_{relation}.json")[0]
    account = _account(sandbox)
    produced = sandbox.get(f"/mastodon/api/v1/accounts/{account}/{relation}?limit=3")
    _conforms(recorded, produced)
    for link in (recorded.header("link"), produced.headers["link"]):
        assert re.fullmatch(NEXT_AND_PREV.format(kept=r"limit=3&", prev="since_id"), link)
    cursor = re.search(r"max_id=(\d+)", produced.headers["link"]).group(1)
    assert cursor not in {a["id"] for a in produced.json()}, "a follow id, not an account id"


@pytest.mark.parametrize("relation, count", [("favourited_by", "favourites_count"),
                                             ("reblogged_by", "reblogs_count")])
def test_favourited_and_reblogged_by(sandbox, relation, count):
    recorded = recording(f"mastodon/{relation}.json")[0]
    statuses = sandbox.get("/mastodon/api/v1/timelines/public?limit=40").json()
    status = max((s for s in statuses if s[count] <= 40), key=lambda s: s[count])
    produced = sandbox.get(f"/mastodon/api/v1/statuses/{status['id']}/{relation}")
    _conforms(recorded, produced)
    assert len(produced.json()) == status[count]
    assert re.fullmatch(r'<[^>]+\?since_id=\d+>; rel="prev"', produced.headers["link"])
    assert re.fullmatch(r'<[^>]+\?since_id=\d+>; rel="prev"', recorded.header("link"))


def test_a_missing_status_is_mastodons_404(sandbox):
    recorded = recording("mastodon/error_404.json")[0]
    produced = sandbox.get("/mastodon/api/v1/statuses/0")
    assert produced.status_code == recorded.status == 404
    assert set(produced.json()) == set(recorded.json()) == {"error"}
