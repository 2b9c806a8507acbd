"""Hacker News lists and a user's submissions walked to the end against the sandbox's truth:
one call for the list (or the profile), then one per item."""

import pytest
import requests

from tests.connector_walk import walk

LISTS = {"top": "topstories", "new": "newstories", "best": "beststories",
         "ask": "askstories", "show": "showstories", "job": "jobstories"}
LARGEST = {"top": 500, "new": 500, "best": 500, "ask": 200, "show": 200, "job": 200}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_list_walks_to_exactly_its_truth(sandbox, name):
    truth = sandbox.truth(f"/hn/v0/{LISTS[name]}.json")
    assert 0 < len(truth) <= LARGEST[name]
    result = walk("hackernews", base_url=sandbox.url + "/hn", list=name)
    assert result.keys("hn_items") == truth
    assert result.calls == 1 + len(truth)


def test_the_largest_lists_are_full_on_a_large_enough_data_set(sandbox):
    for name in ("top", "new", "best"):
        assert len(sandbox.truth(f"/hn/v0/{LISTS[name]}.json")) == 500


def _prolific_user(sandbox) -> str:
    newest = requests.get(sandbox.url + "/hn/v0/item/" + sandbox.truth("/hn/v0/newstories.json")[0] + ".json",
                          timeout=10).json()
    return newest["by"]


def test_a_users_submissions_walk_to_exactly_their_profile_newest_first(sandbox):
    user = _prolific_user(sandbox)
    truth = sandbox.truth(f"/hn/v0/user/{user}.json")
    assert len(truth) > 5 and truth == sorted(truth, key=int, reverse=True)
    result = walk("hackernews", base_url=sandbox.url + "/hn", user=user)
    assert result.keys("hn_items") == truth
    assert result.calls == 1 + len(truth)
    assert {r.payload.get("by") for r in result.records if not r.payload.get("deleted")} == {user}


def test_a_users_submissions_with_a_limit_and_their_comments(sandbox):
    user = _prolific_user(sandbox)
    truth = sandbox.truth(f"/hn/v0/user/{user}.json")[:3]
    result = walk("hackernews", base_url=sandbox.url + "/hn", user=user, limit=3, comment_depth=1)
    replies = [kid for record in result.records if record.key in truth for kid in record.payload.get("kids", [])]
    assert result.keys("hn_items") == truth + [str(kid) for kid in replies]
    assert result.calls == 1 + len(truth) + len(replies)
