import pytest

import ingest.connectors as connectors
from ingest.errors import MalformedResponseError, PermanentError, RateLimitedError, TransientError
from ingest.connectors.base import Response
from tests.unit.connectors.support import epoch, json_response

NOW = epoch("2024-05-01T12:00:00")


def answer(status, headers=None, body=b"[]", content_type="application/json"):
    merged = {"Content-Type": content_type, **(headers or {})}
    return Response(status=status, headers=merged, body=body, url="https://api.test/x?token=abc")


@pytest.mark.parametrize("status", [200, 203, 299])
def test_json_2xx_is_usable(status):
    assert connectors.get("mastodon").classify(answer(status), NOW) is None


def test_429_with_retry_after_seconds():
    error = connectors.get("mastodon").classify(answer(429, {"Retry-After": "30"}), NOW)
    assert isinstance(error, RateLimitedError) and error.retry_after == 30.0 and error.status == 429


def test_429_with_retry_after_http_date():
    error = connectors.get("reddit").classify(answer(429, {"retry-after": "Wed, 01 May 2024 12:01:30 GMT"}), NOW)
    assert isinstance(error, RateLimitedError) and error.retry_after == 90.0


def test_429_without_retry_after():
    error = connectors.get("bluesky").classify(answer(429), NOW)
    assert isinstance(error, RateLimitedError) and error.retry_after is None


@pytest.mark.parametrize("status", [408, 425, 500, 502, 503, 504])
def test_transient_statuses(status):
    assert type(connectors.get("mastodon").classify(answer(status), NOW)) is TransientError


def test_503_with_retry_after_is_a_rate_limit():
    error = connectors.get("mastodon").classify(answer(503, {"Retry-After": "5"}), NOW)
    assert isinstance(error, RateLimitedError) and error.retry_after == 5.0


def test_hackernews_503_is_its_unpublished_limit():
    error = connectors.get("hackernews").classify(answer(503), NOW)
    assert isinstance(error, RateLimitedError) and error.retry_after is None
    assert type(connectors.get("hackernews").classify(answer(500), NOW)) is TransientError


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_permanent_statuses(status):
    error = connectors.get("reddit").classify(answer(status), NOW)
    assert type(error) is PermanentError and error.status == status


def test_error_text_has_no_query_string():
    error = connectors.get("reddit").classify(answer(401), NOW)
    assert "token" not in str(error) and "https://api.test/x" in str(error)


def test_github_403_with_remaining_zero_or_retry_after_is_rate_limiting():
    rest = connectors.get("rest")
    spec = rest.validate({"preset": "github_issues", "owner": "psf", "repo": "requests"})
    bound = rest.for_spec(spec)
    exhausted = bound.classify(answer(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 60)}), NOW)
    assert isinstance(exhausted, RateLimitedError)
    secondary = bound.classify(answer(403, {"retry-after": "60"}), NOW)
    assert isinstance(secondary, RateLimitedError) and secondary.retry_after == 60.0
    assert type(bound.classify(answer(403, {"x-ratelimit-remaining": "12"}), NOW)) is PermanentError


def test_html_or_wrong_content_type_with_200_is_malformed():
    html = answer(200, body=b"<!doctype html><p>maintenance</p>", content_type="text/html")
    assert isinstance(connectors.get("mastodon").classify(html, NOW), MalformedResponseError)
    sniffed = answer(200, body=b"<html></html>", content_type="application/json")
    assert isinstance(connectors.get("mastodon").classify(sniffed, NOW), MalformedResponseError)


def test_undecodable_json_and_wrong_shape_are_malformed_in_parse():
    connector = connectors.get("mastodon")
    spec = connector.validate({})
    request = connector.start(spec)[0]
    broken = Response(200, {"Content-Type": "application/json"}, b'[{"id": ', "https://m.test/api")
    with pytest.raises(MalformedResponseError, match="body is not JSON"):
        connector.parse(request, broken, spec)
    with pytest.raises(MalformedResponseError, match="expected a JSON list of statuses"):
        connector.parse(request, json_response({"error": "nope"}), spec)
