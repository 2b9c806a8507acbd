"""`duplicate_in_page`: a list page holds its first record twice in a row, as
listings sometimes answer; a comment thread and a single item are left as they are."""

from __future__ import annotations

import pytest


def _only(api: str, **settings) -> dict:
    return {"apis": {api: settings}}


def test_a_reddit_listing_holds_its_first_post_twice_and_keeps_its_cursor(sandbox):
    plain = sandbox.get("/reddit/r/python/new?limit=5", token="t").json()["data"]
    sandbox.scenario(_only("reddit", duplicate_in_page=1.0))
    doubled = sandbox.get("/reddit/r/python/new?limit=5", token="t").json()["data"]
    names = [child["data"]["name"] for child in doubled["children"]]
    assert names == names[:1] + [child["data"]["name"] for child in plain["children"]]
    assert doubled["after"] == plain["after"]
    assert sandbox.counters()["faults"]["reddit"]["duplicate_in_page"] == 1


def test_a_comment_thread_is_left_whole(sandbox):
    post = sandbox.get("/reddit/r/python/new?limit=1", token="t").json()["data"]["children"][0]["data"]
    thread = f"/reddit/comments/{post['id']}"
    answer = sandbox.get(thread, token="t")
    assert answer.status_code == 200
    plain = answer.json()
    assert [listing["kind"] for listing in plain] == ["Listing", "Listing"]
    sandbox.scenario(_only("reddit", duplicate_in_page=1.0))
    assert sandbox.get(thread, token="t").json() == plain


@pytest.mark.parametrize("path", ["/mastodon/api/v1/timelines/public?limit=3", "/hn/v0/topstories.json"])
def test_a_top_level_list_holds_its_first_item_twice(sandbox, path):
    plain = sandbox.get(path).json()
    sandbox.scenario(_only(path.split("/")[1], duplicate_in_page=1.0))
    assert sandbox.get(path).json() == plain[:1] + plain
