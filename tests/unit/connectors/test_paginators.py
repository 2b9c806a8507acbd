from ingest.connectors.base import Request
from ingest.connectors.paginators import (
    BodyCursorPaginator, HeaderCursorPaginator, LinkHeaderPaginator, OffsetPaginator, PageNumberPaginator, dig,
)
from tests.unit.connectors.support import json_response

URL = "https://api.test/things"


def first(params):
    return Request("page", URL, params)


def step(paginator, request, body, headers=None, records=None):
    response = json_response(body, headers=headers, url=URL)
    paginator.update_state(response, records if records is not None else body.get("data", []))
    return paginator.next_request(request)


def test_dig_follows_dotted_paths_and_list_indices():
    assert dig({"a": {"b": [{"c": 7}]}}, "a.b.0.c") == 7
    assert dig({"a": 1}, "a.b") is None
    assert dig([1], None) == [1]


def test_link_header():
    paginator = LinkHeaderPaginator()
    following = step(paginator, first({"per_page": 2}), {"data": [1, 2]},
                     {"Link": f'<{URL}?per_page=2&page=2>; rel="next", <{URL}?per_page=2&page=9>; rel="last"'})
    assert (following.url, following.params, following.page) == (URL, {"per_page": "2", "page": "2"}, 2)
    assert step(LinkHeaderPaginator(), following, {"data": [1]}, {"Link": f'<{URL}?page=1>; rel="first"'}) is None


def test_body_cursor():
    paginator = BodyCursorPaginator("meta.next", "cursor")
    following = step(paginator, first({"q": "x"}), {"data": [1], "meta": {"next": "abc"}})
    assert following.params == {"q": "x", "cursor": "abc"}
    assert step(BodyCursorPaginator("meta.next", "cursor"), following, {"data": [1], "meta": {}}) is None


def test_header_cursor():
    paginator = HeaderCursorPaginator("X-Next-Cursor", "after")
    following = step(paginator, first({}), {"data": [1]}, {"x-next-cursor": "c2"})
    assert following.params == {"after": "c2"}
    assert step(HeaderCursorPaginator("X-Next-Cursor", "after"), following, {"data": [1]}) is None


def test_page_number_stops_on_short_page_and_total():
    paginator = PageNumberPaginator("page", 1, "size")
    following = step(paginator, first({"page": 1, "size": 2}), {"data": [1, 2]})
    assert following.params == {"page": 2, "size": 2}
    assert step(PageNumberPaginator("page", 1, "size"), following, {"data": [3]}) is None
    by_total = PageNumberPaginator("page", 1, None, "pages")
    assert step(by_total, first({"page": 3}), {"data": [1], "pages": 3}) is None


def test_offset_stops_on_empty_page_and_total():
    paginator = OffsetPaginator("offset", "limit", "total")
    following = step(paginator, first({"offset": 0, "limit": 2}), {"data": [1, 2], "total": 5})
    assert following.params == {"offset": 2, "limit": 2}
    assert step(OffsetPaginator("offset", "limit", "total"), first({"offset": 4, "limit": 2}),
                {"data": [5], "total": 5}) is None
    assert step(OffsetPaginator(), first({"offset": 0}), {"data": []}) is None
