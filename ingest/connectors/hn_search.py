"""HN Search by Algolia (https://hn.algolia.com/api/v1): the Hacker News stories, comments,
polls and jobs that match a query, tags and numeric filters, stored as Algolia hits keyed by
`objectID`.

Pages are numbered from 0 to nbPages - 1. Algolia serves only the first 1,000 hits of a query
(nbPages stops there; nbHits counts them all), so a query over that cap is read in time slices,
windows of `created_at_i`, each served whole: when the pages a slice serves are read and it
holds more, the next slice ends at the oldest second read so far, and the hits of that second
already stored are skipped. Newest first (`sort="date"`, /search_by_date) every call brings a
page of new hits: the fewest calls there are. By relevance (`sort="relevance"`, /search) the
order past the first 1,000 hits cannot be served at all, so a query over the cap without a
`limit` within it is read the same way, newest first, from /search_by_date (with a larger
`limit`, its newest hits); its first /search page, which told the count, is not stored. With a
`limit` of at most 1,000 a relevance pull keeps the most relevant hits.

A second holding more than 1,000 hits cannot be parted: only its first 1,000 are read.
since/until, and the watermark of an incremental pull, bound `created_at_i`. Watermark:
``{"created_at_i": <newest hit's second>}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.hn_search_query import Window, check_numeric_filters, check_tags
from ingest.connectors.listing import TimeBounds, common_params, kept_items, limit_reached, page_size
from ingest.connectors.times import parse_time
from ingest.connectors.validation import Param
from ingest.connectors.registry import register
from ingest.limits.types import KnownLimit

HITS = "hn_search_hits"
GROUP = "search"
SERVED = 1000
LARGEST_PAGE = 1000
SHARE_OF_SERVED = 0.75
ENDPOINTS = {"date": "search_by_date", "relevance": "search"}


class HackerNewsSearchConnector(Connector):
    name = "hn_search"
    queue = "ingest.hn_search"
    default_base_url = "https://hn.algolia.com/api/v1"
    collections = (Collection(HITS, indexes=(("author",), ("story_id",)), epoch_fields=frozenset({"created_at_i"})),)
    params = common_params(default_base_url) + (
        Param("query", str, "", "words every hit holds (as words or prefixes); '' matches every item"),
        Param("tags", str, None, "story, comment, poll, pollopt, job, show_hn, ask_hn, front_page, author_<name>, "
                                 "story_<id>; comma: AND, parentheses: OR, e.g. 'comment,story_8863'"),
        Param("numeric_filters", str, None, "conditions on points and num_comments, comma: AND, e.g. "
                                            "'points>100,num_comments>=10' (Algolia's numericFilters)"),
        Param("sort", str, "date", "newest first (/search_by_date) or by relevance (/search)",
              choices=tuple(ENDPOINTS)),
        Param("hits_per_page", int, LARGEST_PAGE, "hits a call asks for", minimum=1, maximum=LARGEST_PAGE),
    )

    def check(self, spec: dict) -> None:
        if spec["tags"] is not None:
            check_tags(self.name, spec["tags"])
        if spec["numeric_filters"] is not None:
            check_numeric_filters(self.name, spec["numeric_filters"])

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        return (f"{ENDPOINTS[spec['sort']]}:{spec['query']}:tags={spec['tags'] or ''}:"
                f"filters={spec['numeric_filters'] or ''}@{host}")

    def watermark_order(self, watermark: dict) -> Any:
        return int(watermark["created_at_i"])

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        return (KnownLimit(10_000, 3600.0, per=("host", "ip")),)

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        window = Window.between(TimeBounds.of(spec).since, TimeBounds.of(spec).until)
        if spec["incremental"] and watermark:
            resumed = int(watermark["created_at_i"])
            window = Window(resumed if window.oldest is None else max(resumed, window.oldest), window.newest)
        return [self._slice(spec, ENDPOINTS[spec["sort"]], window, emitted=0, skip=[])]

    def _slice(self, spec: dict, endpoint: str, window: Window, emitted: int, skip: list[str]) -> Request:
        """Page 0 of a window; hits of `skip` were stored already, so the page asks for as many more."""
        params: dict[str, Any] = {"query": spec["query"], "page": 0,
                                  "hitsPerPage": page_size(spec, emitted - len(skip), spec["hits_per_page"])}
        if spec["tags"]:
            params["tags"] = spec["tags"]
        filters = window.numeric_filters(spec["numeric_filters"])
        if filters:
            params["numericFilters"] = filters
        return Request("search", f"{spec['base_url']}/{endpoint}", params, group=GROUP,
                       context={"window": window.to_list(), "emitted": emitted, "skip": skip})

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        hits, reported, pages = _answer(response)
        page_number = int(request.params.get("page", 0))
        window = Window.of(request.context.get("window"))
        over = reported > SERVED
        by_date = urlsplit(request.url).path.endswith("/" + ENDPOINTS["date"])
        if over and not by_date and page_number == 0 and not _within_served(spec):
            return Page(next=self._following(request, self._slice(spec, ENDPOINTS["date"], window, 0, [])))
        skip = set(request.context.get("skip") or ())
        records = [hit_record(hit) for hit in hits if str(hit["objectID"]) not in skip]
        kept, total = kept_items(spec, request, TimeBounds.of(spec), records)
        newest = max((int(r.payload["created_at_i"]) for r in kept), default=None)
        page = Page(records=kept, watermark={"created_at_i": newest} if newest is not None else None)
        boundary = _boundary(request.context.get("boundary"), hits)
        if not hits or limit_reached(spec, total):
            return page
        if page_number + 1 < pages:
            page.next = request.next_page({**request.params, "page": page_number + 1}, emitted=total,
                                          boundary=boundary)
        elif over and by_date:
            page.next = self._following(request, self._older_slice(spec, window, request, boundary, total))
        return page

    def _older_slice(self, spec: dict, window: Window, request: Request, boundary: dict, total: int) -> Request:
        """The slice after one served only in part: up to the oldest second it served."""
        oldest, seen = boundary["time"], list(boundary["ids"])
        previous = request.context.get("skip") or []
        if oldest == window.newest:
            seen = sorted(set(seen) | set(previous))
            if set(seen) == set(previous):
                oldest, seen = oldest - 1, []
        return self._slice(spec, ENDPOINTS["date"], window.ending(oldest), total, seen)

    @staticmethod
    def _following(request: Request, first_of_slice: Request) -> Request:
        """The first page of another slice, as the page after `request` of the same listing."""
        return request.next_page(first_of_slice.params, url=first_of_slice.url,
                                 **{**first_of_slice.context, "boundary": None})


def _within_served(spec: dict) -> bool:
    return spec["limit"] is not None and spec["limit"] <= SERVED


def _boundary(carried: dict | None, hits: list[dict]) -> dict:
    """The oldest second read in this slice so far and the ids of its hits read at that second."""
    oldest = min(int(hit["created_at_i"]) for hit in hits) if hits else None
    ids = [str(hit["objectID"]) for hit in hits if hit["created_at_i"] == oldest]
    if carried and (oldest is None or carried["time"] <= oldest):
        same = carried["time"] == oldest
        return {"time": carried["time"], "ids": carried["ids"] + (ids if same else [])}
    return {"time": oldest, "ids": ids}


def hit_record(hit: dict) -> Record:
    return Record(HITS, str(hit["objectID"]), hit, parse_time(hit.get("created_at_i")))


def _answer(response: Response) -> tuple[list[dict], int, int]:
    """The hits, nbHits and nbPages of an answer; MalformedResponseError for another shape."""
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise MalformedResponseError(f"{response.safe_url}: expected an object with a list 'hits'")
    hits = body["hits"]
    if not all(isinstance(hit, dict) and hit.get("objectID") is not None
               and isinstance(hit.get("created_at_i"), int) for hit in hits):
        raise MalformedResponseError(f"{response.safe_url}: a hit has no objectID or no integer created_at_i")
    reported, pages = body.get("nbHits"), body.get("nbPages")
    if not isinstance(reported, int) or not isinstance(pages, int):
        raise MalformedResponseError(f"{response.safe_url}: nbHits and nbPages must be integers")
    return hits, reported, pages


register(HackerNewsSearchConnector())
