import pytest

import ingest.connectors as connectors
from ingest.connectors.base import Request
from tests.recordings import recording
from tests.unit.connectors.support import epoch, from_exchange, json_response

mastodon = connectors.get("mastodon")


def timeline_exchange(name):
    return next(e for e in recording(f"mastodon/{name}") if "/timelines/" in e.url)


def test_public_timeline_records_keys_and_next_max_id():
    spec = mastodon.validate({"base_url": "http://localhost:3000"})
    request = mastodon.start(spec)[0]
    assert (request.url, request.params) == ("http://localhost:3000/api/v1/timelines/public", {"limit": 40})
    page = mastodon.parse(request, from_exchange(timeline_exchange("public_timeline.json")), spec)
    assert len(page.records) == 8
    assert page.records[0].key == "localhost:3000:117020593134559451"
    assert page.records[-1].key == "localhost:3000:117020574694606796"
    assert {r.collection for r in page.records} == {"mastodon_statuses"}
    assert page.records[0].created_at.isoformat() == "2026-08-01T13:55:46.609000+00:00"
    assert page.next.params == {"limit": 40, "max_id": "117020574694606796"}
    assert (page.next.page, page.next.context["emitted"]) == (2, 8)
    assert page.watermark == {"min_id": "117020593134559451"}
    assert page.children == []


def test_hashtag_timeline_and_embedded_accounts():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "tag": "hoot", "with_accounts": True})
    request = mastodon.start(spec)[0]
    assert request.url == "http://localhost:3000/api/v1/timelines/tag/hoot"
    page = mastodon.parse(request, from_exchange(timeline_exchange("hashtag_timeline.json")), spec)
    assert [r.key for r in page.records] == ["localhost:3000:117020593741189701",
                                             "localhost:3000:117020566092212359"]
    assert page.records[1].collection == "mastodon_accounts"
    assert page.next.params["max_id"] == "117020593741189701"


def test_rate_limit_reset_is_iso_and_read_against_injected_now():
    exchange = timeline_exchange("public_timeline.json")
    reading = mastodon.read_limits(from_exchange(exchange), epoch("2026-08-01T13:55:49"))
    assert (reading.limit, reading.remaining, reading.window, reading.retry_after) == (300.0, 299.0, 300.0, None)
    assert reading.reset_after == pytest.approx(251.792749, abs=1e-6)


def test_limit_asks_for_fewer_and_stops():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "limit": 5})
    request = mastodon.start(spec)[0]
    assert request.params == {"limit": 5}
    page = mastodon.parse(request, from_exchange(timeline_exchange("public_timeline.json")), spec)
    assert len(page.records) == 5 and page.next is None


def test_since_drops_older_statuses_and_stops_paging():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "since": "2026-08-01T13:54:30Z"})
    page = mastodon.parse(mastodon.start(spec)[0], from_exchange(timeline_exchange("public_timeline.json")), spec)
    assert [r.key.rsplit(":", 1)[1] for r in page.records] == [
        "117020593134559451", "117020592137523525", "117020590477318485", "117020588242324937",
        "117020588169351887"]
    assert page.next is None


def test_until_drops_newer_statuses_but_keeps_paging_back():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "until": "2026-08-01T13:54:00Z"})
    page = mastodon.parse(mastodon.start(spec)[0], from_exchange(timeline_exchange("public_timeline.json")), spec)
    assert [r.key.rsplit(":", 1)[1] for r in page.records] == ["117020582721532745", "117020574694606796"]
    assert page.next.params["max_id"] == "117020574694606796"


def test_incremental_resumes_forward_from_min_id():
    spec = mastodon.validate({"tag": "python", "incremental": True})
    request = mastodon.start(spec, {"min_id": "1000"})[0]
    assert request.params == {"limit": 40, "min_id": "1000"}
    link = ('<https://mastodon.social/api/v1/timelines/tag/python?max_id=1001>; rel="next", '
            '<https://mastodon.social/api/v1/timelines/tag/python?min_id=1002>; rel="prev"')
    statuses = [{"id": "1002", "created_at": "2024-01-01T00:00:02Z"},
                {"id": "1001", "created_at": "2024-01-01T00:00:01Z"}]
    page = mastodon.parse(request, json_response(statuses, headers={"Link": link}), spec)
    assert page.next.params == {"limit": 40, "min_id": "1002"}
    assert page.watermark == {"min_id": "1002"}
    assert mastodon.merge_watermarks({"min_id": "999"}, page.watermark) == {"min_id": "1002"}
    assert mastodon.merge_watermarks({"min_id": "10000"}, page.watermark) == {"min_id": "10000"}
    assert mastodon.query_key(spec) == "tag:python@mastodon.social"


def test_empty_page_without_link_ends_the_listing():
    spec = mastodon.validate({})
    assert mastodon.parse(mastodon.start(spec)[0], json_response([]), spec).next is None


def test_context_children_only_for_statuses_with_replies():
    spec = mastodon.validate({"with_context": True})
    statuses = [{"id": "1", "replies_count": 2, "created_at": "2024-01-01T00:00:00Z"},
                {"id": "2", "replies_count": 0, "created_at": "2024-01-01T00:00:00Z"},
                {"id": "3", "replies_count": 0, "reblog": {"id": "9", "replies_count": 4}}]
    page = mastodon.parse(mastodon.start(spec)[0], json_response(statuses), spec)
    assert [(c.kind, c.url, c.depth) for c in page.children] == [
        ("context", "https://mastodon.social/api/v1/statuses/1/context", 1),
        ("context", "https://mastodon.social/api/v1/statuses/9/context", 1)]
    context = {"ancestors": [{"id": "0"}], "descendants": [{"id": "4"}, {"id": "5"}]}
    parsed = mastodon.parse(page.children[0], json_response(context), spec)
    assert [r.key for r in parsed.records] == ["mastodon.social:0", "mastodon.social:4", "mastodon.social:5"]


def test_account_by_name_is_looked_up_first():
    spec = mastodon.validate({"account": "Gargron@mastodon.social", "incremental": True})
    lookup = mastodon.start(spec, {"min_id": "77"})[0]
    assert (lookup.kind, lookup.url, lookup.params) == (
        "account", "https://mastodon.social/api/v1/accounts/lookup", {"acct": "Gargron@mastodon.social"})
    page = mastodon.parse(lookup, json_response({"id": "1", "created_at": "2016-03-16T00:00:00Z"}), spec)
    assert page.records[0].key == "mastodon.social:1"
    timeline = page.children[0]
    assert (timeline.url, timeline.params) == (
        "https://mastodon.social/api/v1/accounts/1/statuses", {"limit": 40, "min_id": "77"})
    assert Request.from_dict(timeline.to_dict()) == timeline


def test_headers_carry_contact_and_token_only_in_headers():
    spec = mastodon.validate({"contact": "ops@example.org", "credential": "mastodon_token"})
    headers = mastodon.headers(spec, "s3cret")
    assert headers["User-Agent"] == "ingest-workbench/0.1 (+ops@example.org)"
    assert headers["Authorization"] == "Bearer s3cret"
    assert "s3cret" not in repr(mastodon.start(spec)) and "s3cret" not in repr(spec)
