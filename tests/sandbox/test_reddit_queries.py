"""Reddit's front page, user listings and search in the sandbox: the recordings' shapes, the
orders asked for, the 1,000-item cap, and the bare HTML refusal of a bad morechildren call."""

from __future__ import annotations

import re

import pytest

from tests.recordings import recording
from tests.sandbox.shapes import shape_problems
from tests.sandbox.test_conformance import assert_same_headers

TOKEN = "queries-token"


def listing(sandbox, path: str) -> dict:
    answer = sandbox.get(path, token=TOKEN)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def things(data: dict) -> list[dict]:
    return [child["data"] for child in data["children"]]


def busiest_author(sandbox) -> str:
    authors = [post["author"] for post in things(listing(sandbox, "/reddit/new?limit=100"))]
    return max(set(authors), key=lambda name: (authors.count(name), name))


def test_front_page_answers_in_the_recorded_shape(sandbox):
    recorded = recording("reddit/front_page.json")[0]
    produced = sandbox.get("/reddit/?raw_json=1", token=TOKEN)
    assert shape_problems([recorded.json()], [produced.json()]) == []
    assert_same_headers(recorded, produced)
    data = produced.json()["data"]
    assert len(data["children"]) == 25 and data["before"] is None and data["modhash"] == ""
    assert re.fullmatch(r"t3_[0-9a-z]+", data["after"])
    assert [c["data"]["name"] for c in data["children"]] == sandbox.truth("/reddit/hot")[:25]


def test_user_comments_answer_in_the_recorded_shape(sandbox):
    recorded = recording("reddit/user_comments_top.json")[0]
    user = busiest_author(sandbox)
    produced = sandbox.get(f"/reddit/user/{user}/comments?sort=top&raw_json=1&t=all&limit=100", token=TOKEN)
    assert shape_problems([recorded.json()], [produced.json()]) == []
    assert_same_headers(recorded, produced)
    comments = things(produced.json()["data"])
    assert comments and {c["author"] for c in comments} == {user}
    scores = [c["score"] for c in comments]
    assert scores == sorted(scores, reverse=True)
    thread = sandbox.get(f"/reddit/comments/{comments[0]['link_id'][3:]}?limit=1", token=TOKEN).json()
    assert comments[0]["link_title"] == thread[0]["data"]["children"][0]["data"]["title"]


def test_search_answers_in_the_recorded_shape(sandbox):
    recorded = recording("reddit/subreddit_search.json")[0]
    word = listing(sandbox, "/reddit/new?limit=1")["children"][0]["data"]["title"].split()[0]
    produced = sandbox.get(f"/reddit/search?q={word}&sort=relevance&t=all&raw_json=1&limit=100", token=TOKEN)
    body = produced.json()
    found = things(body["data"])
    self_posts = [child for child in body["data"]["children"] if child["data"]["is_self"]]
    assert self_posts, "every recorded result is a self post, whose selftext_html is a string"
    body["data"]["children"] = self_posts
    assert shape_problems([recorded.json()], [body]) == []
    assert_same_headers(recorded, produced)
    assert found and all(word.lower() in re.findall(r"[a-z0-9']+", p["title"].lower()) for p in found)


def test_search_within_a_subreddit_keeps_to_it_only_with_restrict_sr(sandbox):
    word = listing(sandbox, "/reddit/r/python/new?limit=1")["children"][0]["data"]["title"].split()[-1]
    inside = things(listing(sandbox, f"/reddit/r/python/search?q={word}&restrict_sr=1&limit=100"))
    everywhere = sandbox.truth(f"/reddit/r/python/search?q={word}")
    assert inside and {p["subreddit"] for p in inside} == {"python"}
    assert len(everywhere) > len(sandbox.truth(f"/reddit/r/python/search?q={word}&restrict_sr=1"))
    newest = things(listing(sandbox, f"/reddit/search?q={word}&sort=new&limit=100"))
    times = [p["created_utc"] for p in newest]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("order", ["best", "hot", "new", "top", "rising", "controversial"])
def test_front_page_orders_page_to_the_truth_within_the_cap(sandbox, order):
    truth = sandbox.truth(f"/reddit/{order}?t=all")
    assert 0 < len(truth) <= 1000 and len(set(truth)) == len(truth)
    seen, after = [], ""
    while True:
        data = listing(sandbox, f"/reddit/{order}?t=all&limit=100&after={after}")
        seen += [c["data"]["name"] for c in data["children"]]
        if data["after"] is None:
            break
        after = data["after"]
    assert seen == truth


def test_top_and_controversial_keep_to_their_period(sandbox):
    newest = listing(sandbox, "/reddit/new?limit=1")["children"][0]["data"]["created_utc"]
    for order in ("top", "controversial"):
        week = things(listing(sandbox, f"/reddit/r/askreddit/{order}?t=hour&limit=100"))
        assert week and all(p["created_utc"] > newest - 3600 for p in week)
        assert sandbox.truth(f"/reddit/r/askreddit/{order}?t=hour") != sandbox.truth(f"/reddit/r/askreddit/{order}?t=all")
    top = [p["score"] for p in things(listing(sandbox, "/reddit/top?t=all&limit=100"))]
    assert top == sorted(top, reverse=True)


def test_user_overview_mixes_posts_and_comments_newest_first(sandbox):
    user = busiest_author(sandbox)
    mixed = listing(sandbox, f"/reddit/user/{user}/overview?limit=100")
    kinds = {child["kind"] for child in mixed["children"]}
    assert kinds == {"t1", "t3"}
    times = [c["created_utc"] for c in things(mixed)]
    assert times == sorted(times, reverse=True)
    assert len(sandbox.truth(f"/reddit/user/{user}/overview")) == min(1000, len(
        sandbox.truth(f"/reddit/user/{user}/submitted")) + len(sandbox.truth(f"/reddit/user/{user}/comments")))


@pytest.mark.parametrize("path, status", [
    ("/reddit/user/nobody-here/comments", 404),
    ("/reddit/user/{user}/upvoted", 404),
    ("/reddit/user/{user}/comments?sort=relevance", 400),
    ("/reddit/search?q=x&sort=controversial", 400),
    ("/reddit/controversial?t=decade", 400),
])
def test_bad_listings_get_reddits_json_errors(sandbox, path, status):
    answer = sandbox.get(path.format(user=busiest_author(sandbox)), token=TOKEN)
    assert answer.status_code == status and set(answer.json()) == {"message", "error"}


def test_a_morechildren_call_reddit_cannot_use_gets_a_bare_html_400(sandbox):
    recorded = recording("reddit/morechildren_get_errors.json")[0]
    post = listing(sandbox, "/reddit/new?limit=1")["children"][0]["data"]["name"]
    for query in ("children=a", f"link_id={post}", "link_id=t1_abc&children=a",
                  f"link_id={post}&children=" + ",".join(["a"] * 101)):
        answer = sandbox.get(f"/reddit/api/morechildren?{query}", token=TOKEN)
        assert answer.status_code == recorded.status == 400
        assert answer.headers["content-type"].split(";")[0] == recorded.header("content-type")
        assert answer.text.startswith("<html>")
