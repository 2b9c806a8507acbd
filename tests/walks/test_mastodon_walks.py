"""Mastodon queries walked to the end against the sandbox: exact ids in order, fewest calls."""

import math

import requests

from tests.connector_walk import walk

TOKEN = "walk-token"


def _host(sandbox):
    return sandbox.url.split("//")[1]


def _keys(sandbox, ids):
    return [f"{_host(sandbox)}:{item}" for item in ids]


def _api(sandbox, path, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(sandbox.url + "/mastodon" + path, headers=headers, timeout=30).json()


def _pull(sandbox, token=TOKEN, **params):
    return walk("mastodon", secret=token, base_url=sandbox.url + "/mastodon", **params)


def test_home_timeline_walks_to_the_truth(sandbox):
    me = _api(sandbox, "/api/v1/accounts/verify_credentials")
    truth = sandbox.truth(f"/mastodon/api/v1/timelines/home?account_id={me['id']}")
    result = _pull(sandbox, timeline="home", credential="me")
    assert result.keys("mastodon_statuses") == _keys(sandbox, truth) and len(truth) > 80
    assert result.calls == math.ceil(len(truth) / 40) + 1, "a timeline ends on an empty page"


def test_list_timeline_walks_to_the_truth_and_stops_on_the_empty_page(sandbox):
    token, list_id = next((token, item["id"]) for token in ("a", "b", "c", "d", "e")
                          for item in _api(sandbox, "/api/v1/lists", token)
                          if sandbox.truth(f"/mastodon/api/v1/timelines/list/{item['id']}"))
    truth = sandbox.truth(f"/mastodon/api/v1/timelines/list/{list_id}")
    result = _pull(sandbox, token, list_id=list_id, credential="me")
    assert result.keys("mastodon_statuses") == _keys(sandbox, truth) and len(truth) % 40
    assert result.calls == math.ceil(len(truth) / 40) + 1, "a short page still links to an empty one"


def test_min_id_reads_the_timeline_forward_oldest_page_first(sandbox):
    path = "/mastodon/api/v1/timelines/tag/python"
    truth = sandbox.truth(path)
    lower, upper = truth[130], truth[10]
    result = _pull(sandbox, tag="python", min_id=lower, max_id=upper)
    between = truth[11:130]
    pages = [between[::-1][start:start + 40][::-1] for start in range(0, len(between), 40)]
    assert result.keys() == _keys(sandbox, [item for page in pages for item in page])
    assert result.calls == len(pages) + 1


def test_since_id_stops_at_the_bound(sandbox):
    truth = sandbox.truth("/mastodon/api/v1/timelines/tag/python")
    result = _pull(sandbox, tag="python", since_id=truth[60])
    assert result.keys() == _keys(sandbox, truth[:60]) and result.calls == 3


def _busiest_account(sandbox):
    statuses = _api(sandbox, "/api/v1/timelines/public?limit=40")
    return max((s["account"] for s in statuses), key=lambda a: a["statuses_count"])["id"]


def test_account_statuses_with_filters_walk_to_the_truth(sandbox):
    account = _busiest_account(sandbox)
    for query, params in ((("exclude_reblogs=true", "exclude_replies=true"), {"exclude_reblogs": True,
                                                                               "exclude_replies": True}),
                          (("tagged=python",), {"tagged": "python"}), (("pinned=true",), {"pinned": True}),
                          ((), {})):
        truth = sandbox.truth(f"/mastodon/api/v1/accounts/{account}/statuses?{'&'.join(query)}")
        result = _pull(sandbox, account=account, **params)
        assert result.keys() == _keys(sandbox, truth), query
        assert result.calls == len(truth) // 40 + 1, "next is sent after full pages only"


def test_search_walks_each_type_to_its_collection(sandbox):
    result = _pull(sandbox, search="python", search_type="statuses", credential="me")
    truth = sandbox.truth("/mastodon/api/v2/search?q=python&type=statuses")
    assert result.keys("mastodon_statuses") == _keys(sandbox, truth) and len(truth) > 80
    assert result.calls == len(truth) // 40 + 1
    everything = _pull(sandbox, search="m", credential="me")
    truth = sandbox.truth("/mastodon/api/v2/search?q=m")
    assert [r.key for r in everything.records] and set(everything.keys()) == set(_keys(sandbox, truth))
    tags = [k.rsplit(":", 1)[1] for k in everything.keys("mastodon_tags")]
    assert tags == [t for t in truth if not t.isdigit()] == ["music"]


def test_status_thread_as_its_own_query(sandbox):
    statuses = _api(sandbox, "/api/v1/timelines/public?limit=40", None)
    while not any(s["in_reply_to_id"] and s["replies_count"] for s in statuses):
        statuses = _api(sandbox, f"/api/v1/timelines/public?limit=40&max_id={statuses[-1]['id']}", None)
    status = next(s for s in statuses if s["in_reply_to_id"] and s["replies_count"])
    truth = sandbox.truth(f"/mastodon/api/v1/statuses/{status['id']}/context")
    result = _pull(sandbox, status=status["id"])
    assert result.keys() == _keys(sandbox, [status["id"]] + truth) and result.calls == 2


def test_followers_and_following_page_by_follow_ids(sandbox):
    account = _busiest_account(sandbox)
    for relation in ("followers", "following"):
        truth = sandbox.truth(f"/mastodon/api/v1/accounts/{account}/{relation}")
        result = _pull(sandbox, account=account, relation=relation, limit=len(truth) + 5)
        assert result.keys("mastodon_accounts") == _keys(sandbox, truth), relation
        assert result.calls == len(truth) // 80 + 1


def test_favourited_and_reblogged_by_walk_to_the_truth(sandbox):
    statuses = _api(sandbox, "/api/v1/timelines/public?limit=40", None)
    for relation, count in (("favourited_by", "favourites_count"), ("reblogged_by", "reblogs_count")):
        status = max(statuses, key=lambda s: s[count])
        truth = sandbox.truth(f"/mastodon/api/v1/statuses/{status['id']}/{relation}")
        assert len(truth) == status[count] > 0
        result = _pull(sandbox, status=status["id"], relation=relation)
        assert result.keys("mastodon_accounts") == _keys(sandbox, truth) and result.calls == 1
