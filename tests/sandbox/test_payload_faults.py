"""The faults added for the reliability tests: client errors, bytes that are not UTF-8, odd
payloads (huge, `$` and dotted keys, deep nesting), and the log of recent requests."""

from __future__ import annotations

import json

import pytest

from sandbox.payloads import ODD_KEYS

PATH = "/mastodon/api/v1/timelines/public?limit=2"


@pytest.fixture()
def item(sandbox) -> str:
    return f"/hn/v0/item/{sandbox.get('/hn/v0/topstories.json').json()[0]}.json"


def _only(api: str, **settings) -> dict:
    return {"apis": {api: settings}}


@pytest.mark.parametrize("status", [401, 403, 404])
def test_client_errors_come_in_the_apis_own_error_shape(sandbox, status):
    sandbox.scenario(_only("mastodon", errors={str(status): 1.0}))
    answer = sandbox.get(PATH)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert "error" in answer.json()
    assert sandbox.counters()["faults"]["mastodon"][str(status)] == 1


def test_non_utf8_bytes_inside_a_json_string(sandbox):
    sandbox.scenario(_only("mastodon", malformed={"non_utf8": 1.0}))
    body = sandbox.get(PATH).content
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = json.loads(body.decode("utf-8", errors="replace"))
    assert len(page) == 2 and "caf\ufffd " in json.dumps(page, ensure_ascii=False)


def test_huge_records(sandbox):
    sandbox.scenario(_only("mastodon", payloads={"huge": 1.0, "huge_bytes": 300_000}))
    page = sandbox.get(PATH).json()
    assert [len(status["padding"]) for status in page] == [300_000, 300_000]


def test_keys_with_dollars_and_dots(sandbox, item):
    sandbox.scenario(_only("hn", payloads={"odd_keys": 1.0}))
    answer = sandbox.get(item).json()
    assert f"/{answer['id']}.json" in item
    assert {key: answer[key] for key in ODD_KEYS} == ODD_KEYS


def test_deep_nesting(sandbox, item):
    sandbox.scenario(_only("hn", payloads={"deep": 1.0, "deep_levels": 120}))
    value, levels = sandbox.get(item).json()["deep"], 1
    while "bottom" not in value:
        (value,) = value.values()
        levels += 1
    assert levels == 120


def test_payload_faults_keep_to_their_routes(sandbox, item):
    sandbox.scenario(_only("hn", payloads={"odd_keys": 1.0}, fault_routes=["/v0/item/"]))
    assert isinstance(sandbox.get("/hn/v0/topstories.json").json(), list)
    assert "$where" in sandbox.get(item).json()


ITEM = "/hn/v0/item/1.json"


def test_the_request_log_lists_requests_in_order_with_time_and_status(sandbox):
    sandbox.get(PATH)
    sandbox.clock.advance(2.5)
    sandbox.scenario(_only("hn", errors={"503": 1.0}))
    sandbox.get(ITEM)
    # A request held open by an earlier test (a hang) may still end, and be logged, meanwhile.
    logged = [entry for entry in sandbox.session.get(sandbox.url + "/_admin/requests", timeout=10).json()["requests"]
              if entry["path"] in (PATH, ITEM)]
    assert [(entry["api"], entry["path"], entry["status"]) for entry in logged] == [
        ("mastodon", PATH, "200"), ("hn", ITEM, "503")]
    assert logged[1]["at"] - logged[0]["at"] == pytest.approx(2.5)
    only_hn = sandbox.session.get(sandbox.url + "/_admin/requests", params={"api": "hn"}, timeout=10).json()
    assert ITEM in [entry["path"] for entry in only_hn["requests"]]
    assert {entry["api"] for entry in only_hn["requests"]} == {"hn"}
