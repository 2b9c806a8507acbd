from ingest.connectors.base import Request
from ingest.connectors.paginators import (
    AnchorPaginator, BodyCursorPaginator, HeaderCursorPaginator, LinkCursorPaginator, LinkHeaderPaginator,
    OffsetPaginator, PageNumberPaginator, dig,
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


def test_link_cursor_takes_one_parameter_of_the_linked_url_and_keeps_the_rest_of_the_query():
    paginator = LinkCursorPaginator("next", "max_id")
    link = f'<{URL}?max_id=41&limit=40>; rel="next", <{URL}?min_id=50>; rel="prev"'
    following = step(paginator, first({"limit": 20, "local": "true"}), {"data": [1]}, {"Link": link})
    assert (following.params, following.page) == ({"limit": 20, "local": "true", "max_id": "41"}, 2)
    assert step(LinkCursorPaginator("next", "max_id"), following, {"data": [1]},
                {"Link": f'<{URL}?min_id=50>; rel="prev"'}) is None


def test_anchor_prefers_the_body_cursor_then_the_first_item_of_a_full_page():
    items = [{"data": {"name": "t3_b"}}, {"data": {"name": "t3_a"}}]
    by_cursor = step(AnchorPaginator("data.before", "before", "data.name", "limit"),
                     first({"limit": 5, "before": "t3_x"}), {"data": {"before": "t3_c"}}, records=items)
    assert by_cursor.params == {"limit": 5, "before": "t3_c"}
    full = step(AnchorPaginator("data.before", "before", "data.name", "limit"),
                first({"limit": 2, "before": "t3_x"}), {"data": {"before": None}}, records=items)
    assert full.params == {"limit": 2, "before": "t3_b"}
    assert step(AnchorPaginator("data.before", "before", "data.name", "limit"),
                first({"limit": 3, "before": "t3_x"}), {"data": {}}, records=items) is None
