"""Reddit: front page, subreddit and user listings and search over OAuth, optionally with every
post's comment tree (the queries are in ``reddit_queries``).

Keys are fullnames (``t3_<id>`` posts, ``t1_<id>`` comments). A first pull pages backwards
with ``after``; an incremental pull reads forward from the watermark with ``before``.
Watermark: ``{"before": "<fullname>", "created_utc": <float>}`` of the newest root record.
Reddit drops a ``before`` anchor that was deleted: the pull then starts from the newest items.
Only newest-first queries can be incremental.
"""

from __future__ import annotations

from typing import Any

from ingest.errors import FetchError, MalformedResponseError, PermanentError
from ingest.connectors.base import PROJECT_AGENT, Collection, Connector, Page, Request, Response
from ingest.connectors.headers import parse_float, parse_retry_after
from ingest.connectors.listing import (
    TimeBounds, bounded_listing_calls, common_params, following_page, kept_items, limit_reached, most_items,
    page_size,
)
from ingest.connectors.paginators import AnchorPaginator, BodyCursorPaginator
from ingest.connectors.reddit_comments import (
    COMMENTS, POSTS, CommentHarvest, batches, harvest, listing_children, morechildren_things, thing_record,
)
from ingest.connectors.reddit_queries import QUERY_PARAMS, check_query, listing_url, newest_first, query_key
from ingest.connectors.reddit_refusals import refusal_reason
from ingest.connectors.validation import Param
from ingest.connectors.registry import register
from ingest.limits.types import KnownLimit, LimitReading

LARGEST_PAGE = 100
COMMENTS_PER_CALL = 500
# `created` is not one: it is shifted from UTC by a fixed offset.
EPOCH_FIELDS = frozenset({"created_utc", "approved_at_utc", "banned_at_utc"})


class RedditConnector(Connector):
    name = "reddit"
    queue = "ingest.reddit"
    default_base_url = "https://oauth.reddit.com"
    collections = (Collection(POSTS, epoch_fields=EPOCH_FIELDS), Collection(COMMENTS, epoch_fields=EPOCH_FIELDS))
    params = common_params(default_base_url, credential_help="name of a reddit_script credential or a bearer "
                           "token (required)") + QUERY_PARAMS + (
        Param("with_comments", bool, False, "also fetch each post's full comment tree"),
        Param("comment_depth", int, None, "deepest comment level to fetch (None: all)", minimum=1),
        Param("comment_sort", str, None, "order of comment trees",
              choices=("confidence", "top", "new", "controversial", "old", "qa")),
    )

    def check(self, spec: dict) -> None:
        check_query(spec)

    def query_key(self, spec: dict) -> str:
        return query_key(spec)

    def watermark_order(self, watermark: dict) -> Any:
        return (float(watermark.get("created_utc") or 0.0), int(watermark["before"].split("_")[-1], 36))

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        url, query = listing_url(spec)
        params: dict[str, Any] = {**query, "limit": page_size(spec, 0, LARGEST_PAGE), "raw_json": 1}
        context: dict[str, Any] = {"emitted": 0}
        if spec["incremental"] and watermark:
            params["before"] = watermark["before"]
            context["forward"] = True
        return [Request("listing", url, params, group="listing", context=context)]

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if request.kind == "listing":
            return self._parse_listing(request, response, body, spec)
        if request.kind == "comments":
            if not isinstance(body, list) or len(body) != 2:
                raise MalformedResponseError(f"{response.safe_url}: expected [post, comments] listings")
            posts = [r for r in map(thing_record, listing_children(body[0])) if r is not None]
            found = harvest(listing_children(body[1]), spec["comment_depth"])
            return Page(records=posts + found.records,
                        children=self._stub_requests(request, spec, found))
        if request.kind == "morechildren":
            found = harvest(morechildren_things(body), spec["comment_depth"])
            return Page(records=found.records, children=self._stub_requests(request, spec, found))
        raise MalformedResponseError(f"reddit cannot parse a {request.kind!r} request")

    def _parse_listing(self, request: Request, response: Response, body: Any, spec: dict) -> Page:
        things = listing_children(body)
        records = [r for r in map(thing_record, things) if r is not None]
        bounds = TimeBounds.of(spec)
        kept, total = kept_items(spec, request, bounds, records)
        children = []
        if spec["with_comments"]:
            children = [self._comments_request(request, spec, r.key) for r in kept
                        if r.collection == "reddit_posts" and r.payload.get("num_comments")]
        newest = max(kept, key=lambda r: r.created_at.timestamp() if r.created_at else 0.0, default=None)
        watermark = ({"before": newest.key, "created_utc": newest.payload.get("created_utc")}
                     if newest else None)
        page = Page(records=kept, children=children, watermark=watermark)
        if not things or limit_reached(spec, total):
            return page
        if request.context.get("forward"):
            paginator = AnchorPaginator("data.before", "before", key_path="data.name", size_param="limit")
        else:
            oldest = min((r.created_at for r in records if r.created_at), default=None)
            if newest_first(spec) and bounds.passed(oldest):
                return page
            paginator = BodyCursorPaginator("data.after", "after")
        page.next = following_page(paginator, response, things, request, total,
                                   limit=page_size(spec, total, LARGEST_PAGE))
        return page

    def _comments_request(self, request: Request, spec: dict, fullname: str,
                          comment: str | None = None) -> Request:
        post_id = fullname.removeprefix("t3_")
        path = f"/comments/{post_id}" + (f"/_/{comment}" if comment else "")
        params: dict[str, Any] = {"limit": COMMENTS_PER_CALL, "raw_json": 1}
        if spec["comment_depth"] is not None:
            params["depth"] = spec["comment_depth"]
        if spec["comment_sort"]:
            params["sort"] = spec["comment_sort"]
        return Request("comments", f"{spec['base_url']}{path}", params, group="comments",
                       depth=request.depth + 1, target=None if comment else ("reddit_posts", fullname),
                       context={"link_id": fullname})

    def _stub_requests(self, request: Request, spec: dict, found: CommentHarvest) -> list[Request]:
        link_id = request.context["link_id"]
        children = [self._comments_request(request, spec, link_id, parent.removeprefix("t1_"))
                    for parent in dict.fromkeys(found.continue_parents) if parent.startswith("t1_")]
        for batch in batches(found.more_ids):
            params: dict[str, Any] = {"api_type": "json", "link_id": link_id,
                                      "children": ",".join(batch), "raw_json": 1}
            if spec["comment_sort"]:
                params["sort"] = spec["comment_sort"]
            children.append(Request("morechildren", f"{spec['base_url']}/api/morechildren", params,
                                    group="morechildren", depth=request.depth + 1,
                                    context={"link_id": link_id}))
        return children

    def estimate_calls(self, spec: dict) -> int | None:
        """The listing's pages, and with comments one more call per post (a thread's
        "more comments" stubs ask for more, which cannot be known before)."""
        pages = bounded_listing_calls(spec, LARGEST_PAGE)
        if pages is None or not spec["with_comments"]:
            return pages
        return pages + most_items(spec, pages, LARGEST_PAGE)

    def listing_page(self, spec: dict) -> int | None:
        return LARGEST_PAGE

    def headers(self, spec: dict, secret: str | None, account: str | None = None) -> dict[str, str]:
        """Reddit asks for a User-Agent of the form `<platform>:<app id>:<version> (by /u/<name>)`."""
        result = super().headers(spec, secret, account)
        owner = f"by /u/{account}" if account else (f"+{spec['contact']}" if spec.get("contact") else "")
        result["User-Agent"] = f"python:{PROJECT_AGENT.replace('/', ':')}" + (f" ({owner})" if owner else "")
        return result

    def credential_kinds(self, spec: dict) -> tuple[str, ...]:
        return ("bearer", "reddit_script")

    def needs_credential(self, spec: dict) -> bool:
        return True

    def check_request(self, base_url: str) -> Request | None:
        return Request("check", f"{base_url.rstrip('/')}/new", {"limit": 1, "raw_json": 1})

    def classify(self, response: Response, now: float) -> FetchError | None:
        error = super().classify(response, now)
        if type(error) is PermanentError:
            return PermanentError(f"{error} ({refusal_reason(response)})", status=error.status)
        return error

    def read_limits(self, response: Response, now: float) -> LimitReading:
        """The limit is used + remaining, for the 600 s window `X-Ratelimit-Reset` counts down."""
        used = parse_float(response.header("X-Ratelimit-Used"))
        remaining = parse_float(response.header("X-Ratelimit-Remaining"))
        return LimitReading(
            limit=used + remaining if used is not None and remaining is not None else None,
            remaining=remaining,
            reset_after=parse_float(response.header("X-Ratelimit-Reset")),
            retry_after=parse_retry_after(response.header("Retry-After"), now),
            window=600.0,
        )

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        """Reddit documents 100 queries a minute per OAuth client id, averaged over 10 minutes
        (1,000 per 600 s), in fixed windows (`X-Ratelimit-Reset` counts down to the end of one:
        525 s on the first call of a window in the recordings). The recorded answers say what
        accounts were really given, as used + remaining: 600 (1 + 599.0 in 2016 and 2023) and
        10,000 (678 + 9322.0 with 51 s left, 2025). Where they disagree the recordings win: the
        limit starts at the 600 they show, so that a fresh limiter is never looser than the
        API, and the limiter adopts the used + remaining of the first answer, higher or lower.
        Its answers state the remaining calls and the reset (x-ratelimit-*), a 429 aside."""
        return (KnownLimit(600, 600.0, per=("host", "credential"), reported=True),)


register(RedditConnector())
