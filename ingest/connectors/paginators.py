"""Paginators, one class per way an API links its pages; every paginated source goes through one.

The protocol is two calls per page: ``update_state(response, records)`` reads whatever
marks the next page, then ``next_request(request)`` builds it from the request just answered,
or returns None at the end. A paginator lives for one parse: it holds no state between pages,
so everything it needs travels in the Request's URL and query.

The rest connector builds its paginator from a definition (``build_paginator``); the other
connectors name theirs: Mastodon a cursor in the Link header, Reddit and Bluesky a cursor in
the body, and Reddit reading forward an anchor item.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Request, Response
from ingest.connectors.headers import parse_link_header


class PaginatorType(str, Enum):
    NONE = "none"
    LINK_HEADER = "link_header"
    BODY_CURSOR = "body_cursor"
    HEADER_CURSOR = "header_cursor"
    PAGE_NUMBER = "page_number"
    OFFSET = "offset"


class Paginator(Protocol):
    def update_state(self, response: Response, records: list[Any]) -> None: ...

    def next_request(self, request: Request) -> Request | None: ...


def dig(data: Any, path: str | None) -> Any:
    """The value at a dotted path ("data.after", "items.0.id"); the whole value for ""/None."""
    current = data
    for part in (path or "").split("."):
        if not part:
            continue
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


class SinglePage:
    """The answer is the whole result."""

    def update_state(self, response: Response, records: list[Any]) -> None:
        pass

    def next_request(self, request: Request) -> Request | None:
        return None


class LinkHeaderPaginator:
    """The next page's full URL is in the Link header (RFC 8288), e.g. GitHub."""

    def __init__(self, rel: str = "next") -> None:
        self.rel = rel
        self.next_url: str | None = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.next_url = parse_link_header(response.header("Link")).get(self.rel)

    def next_request(self, request: Request) -> Request | None:
        if not self.next_url:
            return None
        parts = urlsplit(self.next_url)
        if (parts.scheme, parts.netloc) != (urlsplit(request.url).scheme, urlsplit(request.url).netloc):
            raise MalformedResponseError(
                f"Link rel={self.rel} points to another host ({parts.netloc}); not followed, "
                "so credentials never leave the API's host")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return request.next_page(dict(parse_qsl(parts.query, keep_blank_values=True)), url=url)


class LinkCursorPaginator:
    """The Link header's `rel` URL carries a cursor in its query parameter `param`; it goes back
    as the same parameter of this request, whose other parameters stay (e.g. Mastodon's max_id)."""

    def __init__(self, rel: str, param: str) -> None:
        self.rel, self.param = rel, param
        self.cursor: str | None = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        url = parse_link_header(response.header("Link")).get(self.rel)
        values = parse_qs(urlsplit(url).query).get(self.param) if url is not None else None
        self.cursor = values[0] if values else None

    def next_request(self, request: Request) -> Request | None:
        if self.cursor is None:
            return None
        return request.next_page({**request.params, self.param: self.cursor})


class BodyCursorPaginator:
    """The body carries the next cursor at a dotted path; it goes back as a query parameter."""

    def __init__(self, cursor_path: str, param: str) -> None:
        self.cursor_path, self.param = cursor_path, param
        self.cursor: Any = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.cursor = dig(response.json(), self.cursor_path) if records else None

    def next_request(self, request: Request) -> Request | None:
        if self.cursor in (None, ""):
            return None
        return request.next_page({**request.params, self.param: self.cursor})


class HeaderCursorPaginator:
    """A response header carries the next cursor; it goes back as a query parameter."""

    def __init__(self, header: str, param: str) -> None:
        self.header, self.param = header, param
        self.cursor: str | None = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.cursor = response.header(self.header) if records else None

    def next_request(self, request: Request) -> Request | None:
        if not self.cursor:
            return None
        return request.next_page({**request.params, self.param: self.cursor})


class AnchorPaginator:
    """Reading forward, newer items after an anchor: the body's cursor at a dotted path, or,
    when it has none and the page came full, the key of the page's first (newest) item at
    `key_path`. It goes back as a query parameter (e.g. Reddit's before)."""

    def __init__(self, cursor_path: str, param: str, key_path: str, size_param: str) -> None:
        self.cursor_path, self.param = cursor_path, param
        self.key_path, self.size_param = key_path, size_param
        self.cursor: Any = None
        self.count = 0
        self.first_key: Any = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.cursor = dig(response.json(), self.cursor_path) if records else None
        self.count = len(records)
        self.first_key = dig(records[0], self.key_path) if records else None

    def next_request(self, request: Request) -> Request | None:
        cursor = self.cursor
        if not cursor and self.count >= request.params.get(self.size_param, 0):
            cursor = self.first_key
        if not cursor:
            return None
        return request.next_page({**request.params, self.param: cursor})


class PageNumberPaginator:
    """Pages are numbered; the end is an empty or short page, or the total page count."""

    def __init__(self, param: str = "page", start: int = 1, size_param: str | None = None,
                 total_pages_path: str | None = None) -> None:
        self.param, self.start = param, start
        self.size_param, self.total_pages_path = size_param, total_pages_path
        self.count = 0
        self.total_pages: Any = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.count = len(records)
        if self.total_pages_path:
            self.total_pages = dig(response.json(), self.total_pages_path)

    def next_request(self, request: Request) -> Request | None:
        current = int(request.params.get(self.param, self.start))
        if self.count == 0 or _short(self.count, request.params.get(self.size_param or "")):
            return None
        if isinstance(self.total_pages, int) and current - self.start + 1 >= self.total_pages:
            return None
        return request.next_page({**request.params, self.param: current + 1})


class OffsetPaginator:
    """Items are addressed by offset; the end is an empty or short page, or the total count."""

    def __init__(self, offset_param: str = "offset", limit_param: str = "limit",
                 total_path: str | None = None) -> None:
        self.offset_param, self.limit_param, self.total_path = offset_param, limit_param, total_path
        self.count = 0
        self.total: Any = None

    def update_state(self, response: Response, records: list[Any]) -> None:
        self.count = len(records)
        if self.total_path:
            self.total = dig(response.json(), self.total_path)

    def next_request(self, request: Request) -> Request | None:
        following = int(request.params.get(self.offset_param, 0)) + self.count
        if self.count == 0 or _short(self.count, request.params.get(self.limit_param)):
            return None
        if isinstance(self.total, int) and following >= self.total:
            return None
        return request.next_page({**request.params, self.offset_param: following})


def _short(count: int, asked: Any) -> bool:
    """A page with fewer items than were asked for is the last one."""
    try:
        return asked is not None and count < int(asked)
    except (TypeError, ValueError):
        return False


def build_paginator(config: Mapping[str, Any], size_param: str | None) -> Paginator:
    """A fresh paginator from a validated `paginator` section of a rest definition."""
    kind = PaginatorType(config["type"])
    if kind is PaginatorType.LINK_HEADER:
        return LinkHeaderPaginator(config.get("rel", "next"))
    if kind is PaginatorType.BODY_CURSOR:
        return BodyCursorPaginator(config["cursor_path"], config["param"])
    if kind is PaginatorType.HEADER_CURSOR:
        return HeaderCursorPaginator(config["header"], config["param"])
    if kind is PaginatorType.PAGE_NUMBER:
        return PageNumberPaginator(config.get("param", "page"), config.get("start", 1), size_param,
                                   config.get("total_pages_path"))
    if kind is PaginatorType.OFFSET:
        return OffsetPaginator(config.get("param", "offset"), config.get("limit_param", "limit"),
                               config.get("total_path"))
    return SinglePage()


PAGINATOR_FIELDS: dict[PaginatorType, dict[str, bool]] = {
    PaginatorType.NONE: {},
    PaginatorType.LINK_HEADER: {"rel": False},
    PaginatorType.BODY_CURSOR: {"cursor_path": True, "param": True},
    PaginatorType.HEADER_CURSOR: {"header": True, "param": True},
    PaginatorType.PAGE_NUMBER: {"param": False, "start": False, "total_pages_path": False},
    PaginatorType.OFFSET: {"param": False, "limit_param": False, "total_path": False},
}
"""For each paginator type, its fields and whether each is required."""
