"""Admin endpoints: new items during a run, ground truth, counters, scenario checks, reset."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests


def test_new_mastodon_items_reach_an_incremental_pull(sandbox):
    path = "/mastodon/api/v1/timelines/tag/python"
    before = sandbox.truth(path)
    added = sandbox.add_items(api="mastodon", count=50, tag="python")
    assert len(added) == 50
    newer = []
    url = f"{path}?min_id={before[0]}&limit=40"
    while url:
        answer = sandbox.get(url)
        page = answer.json()
        if not page:
            break
        newer = [s["id"] for s in page] + newer
        url = f"{path}?min_id={page[0]['id']}&limit=40"
    assert sorted(newer) == sorted(added)
    assert sandbox.truth(path) == list(reversed(added)) + before
    sandbox.session.post(sandbox.url + "/_admin/reset").raise_for_status()
    assert sandbox.truth(path) == before


def test_new_items_in_every_api(sandbox):
    old_max = sandbox.get("/hn/v0/maxitem.json").json()
    stories = sandbox.add_items(api="hn", count=3)
    assert sandbox.get("/hn/v0/maxitem.json").json() == old_max + 3 == stories[-1]
    assert sandbox.get("/hn/v0/newstories.json").json()[:3] == stories[::-1]
    posts = sandbox.add_items(api="reddit", count=2, subreddit="rust")
    listing = sandbox.get("/reddit/r/rust/new?limit=2", token="t").json()["data"]["children"]
    assert [c["data"]["name"] for c in listing] == posts[::-1]
    uris = sandbox.add_items(api="bsky", count=2, word="climate")
    assert sandbox.truth("/bsky/xrpc/app.bsky.feed.searchPosts?q=climate")[:2] == uris[::-1]
    numbers = sandbox.add_items(api="github", count=2, repo="octocat/hello-world")
    issues = sandbox.get("/github/repos/octocat/hello-world/issues?per_page=2").json()
    assert [i["number"] for i in issues] == numbers[::-1]


def test_bad_admin_input(sandbox):
    post = sandbox.session.post
    assert post(sandbox.url + "/_admin/items", json={"api": "myspace"}).status_code == 400
    assert post(sandbox.url + "/_admin/items", json={"api": "mastodon", "tag": "nope"}).status_code == 400
    assert post(sandbox.url + "/_admin/items", json={"api": "mastodon", "colour": "red"}).status_code == 400
    answer = sandbox.session.put(sandbox.url + "/_admin/scenario", json={"apis": {"hn": {"drop": 2}}})
    assert answer.status_code == 400 and "apis.hn.drop" in answer.json()["error"]
    answer = sandbox.session.put(sandbox.url + "/_admin/scenario", json={"apis": {"hn": {"speed": 1}}})
    assert answer.status_code == 400 and "speed" in answer.json()["error"]
    assert sandbox.session.get(sandbox.url + "/_admin/truth?path=/hn/v0/maxitem.json").status_code == 404


def test_counters_see_concurrency_and_credentials(sandbox):
    sandbox.scenario({"apis": {"hn": {"latency": {"fixed": 0.3}}}})

    def fetch(index: int) -> int:
        return requests.get(f"{sandbox.url}/hn/v0/item/{40_000_000 + index}.json",
                            headers={"Authorization": "bearer secret-token"}, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(fetch, range(8)))
    assert statuses == [200] * 8
    counters = sandbox.counters()
    assert counters["peak_concurrency"] >= 2 and counters["peak_connections"] >= 2
    assert counters["requests"] == counters["by_api"]["hn"] == 8
    assert counters["by_status"] == {"200": 8}
    assert counters["rps"] > 0 and counters["in_flight"] == 0
    assert "secret-token" not in str(counters)


def test_health_and_scenario_round_trip(sandbox):
    assert sandbox.session.get(sandbox.url + "/_admin/health").json()["ok"] is True
    document = {"time_scale": 10.0, "apis": {"mastodon": {"drop": 0.1}}}
    sandbox.scenario(document)
    assert sandbox.session.get(sandbox.url + "/_admin/scenario").json() == document
