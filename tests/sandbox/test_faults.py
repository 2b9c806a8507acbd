"""Each fault in a scenario is seen by a client as configured."""

from __future__ import annotations

import json

import pytest
import requests

PATH = "/mastodon/api/v1/timelines/public?limit=2"


def _only(api: str, **settings) -> dict:
    return {"apis": {api: settings}}


def test_latency_beyond_a_client_timeout(sandbox):
    sandbox.scenario(_only("mastodon", latency={"fixed": 1.0, "jitter": 0.5}))
    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.get(PATH, timeout=0.1)
    assert sandbox.get(PATH, timeout=10).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_at_the_given_rate(sandbox, status):
    sandbox.scenario(_only("reddit", errors={str(status): 1.0}))
    answer = sandbox.get("/reddit/r/python/new", token="t")
    assert answer.status_code == status
    if status == 500:
        assert answer.json() == {"message": "Internal Server Error", "error": 500}
    else:
        assert answer.headers["content-type"].startswith("text/html")
    assert sandbox.counters()["faults"]["reddit"][str(status)] == 1


def test_partial_error_rate_is_reproducible(sandbox):
    def run() -> list[int]:
        sandbox.scenario({"fault_seed": 7, "apis": {"hn": {"errors": {"503": 0.5}}}})
        return [sandbox.get("/hn/v0/maxitem.json").status_code for _ in range(30)]

    first = run()
    assert set(first) == {200, 503}
    assert run() == first


def test_hang_past_the_client_timeout(sandbox):
    sandbox.scenario(_only("hn", hang={"rate": 1.0, "seconds": 1.5}))
    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.get("/hn/v0/maxitem.json", timeout=0.2)


def test_dropped_connection(sandbox):
    sandbox.scenario(_only("bsky", drop=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python")
    counters = sandbox.counters()
    assert counters["faults"]["bsky"]["drop"] == 1
    assert counters["by_route"]["bsky GET /xrpc/app.bsky.feed.searchPosts"] == {"drop": 1}


def test_outage_window(sandbox):
    sandbox.scenario(_only("github", outages=[{"start": 10, "end": 20, "status": 503}]))
    path = "/github/repos/octocat/hello-world/issues"
    assert sandbox.get(path).status_code == 200
    sandbox.clock.advance(10)
    down = sandbox.get(path)
    assert down.status_code == 503 and down.headers["content-type"].startswith("text/html")
    sandbox.clock.advance(10)
    assert sandbox.get(path).status_code == 200


def test_truncated_json(sandbox):
    sandbox.scenario(_only("mastodon", malformed={"truncated": 1.0}))
    answer = sandbox.get(PATH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)


def test_html_error_page_with_status_200(sandbox):
    sandbox.scenario(_only("mastodon", malformed={"html_200": 1.0}))
    answer = sandbox.get(PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html") and answer.text.startswith("<!DOCTYPE html>")


def test_wrong_content_type(sandbox):
    sandbox.scenario(_only("mastodon", malformed={"wrong_content_type": 1.0}))
    answer = sandbox.get(PATH)
    assert answer.headers["content-type"].startswith("text/plain")
    assert len(json.loads(answer.text)) == 2


def test_repeating_cursor(sandbox):
    sandbox.scenario({"apis": {name: {"cursor_repeat": 1.0} for name in ("mastodon", "reddit", "bsky")}})
    first = sandbox.get(PATH)
    second_url = first.links["next"]["url"]
    second = sandbox.get(second_url)
    assert second.links["next"]["url"] == second_url
    listing = sandbox.get("/reddit/r/python/new?limit=5", token="t").json()["data"]
    again = sandbox.get(f"/reddit/r/python/new?limit=5&after={listing['after']}", token="t").json()["data"]
    assert again["after"] == listing["after"]
    page = sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=5").json()
    repeated = sandbox.get(f"/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=5&cursor={page['cursor']}").json()
    assert repeated["cursor"] == page["cursor"]


def test_fault_routes_limit_faults_to_the_named_paths(sandbox):
    sandbox.scenario(_only("hn", errors={"500": 1.0}, malformed={"truncated": 1.0}, fault_routes=["/v0/item/"]))
    assert sandbox.get("/hn/v0/topstories.json").status_code == 200
    assert sandbox.get("/hn/v0/item/40065126.json").status_code == 500


def test_fault_routes_must_be_path_prefixes(sandbox):
    answer = requests.put(f"{sandbox.url}/_admin/scenario", json=_only("hn", fault_routes="item"), timeout=10)
    assert answer.status_code == 400
    assert "apis.hn.fault_routes must be a list of path prefixes" in answer.text
