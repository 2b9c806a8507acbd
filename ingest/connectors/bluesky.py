"""Bluesky (AppView XRPC): post search and author feeds, optionally each post's reply thread.

Keys are post ``uri`` values (``at://did/app.bsky.feed.post/rkey``), global across hosts.
Records are post views, whatever listed them; a post's time is its ``record.createdAt``.
An author feed is ordered by when items entered it, so a repost's position is the repost's
``indexedAt``: stopping at ``since`` follows that order, while filtering uses the post's time.
Watermark: ``{"since": "<ISO time of the newest post>"}``; search passes it as ``since``,
author feeds stop and filter on it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import MalformedResponseError, ParameterError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.headers import parse_float, parse_retry_after, seconds_until_epoch
from ingest.connectors.listing import (
    TimeBounds, common_params, following_page, kept_items, limit_reached, page_size,
)
from ingest.connectors.paginators import BodyCursorPaginator
from ingest.connectors.times import iso_z, parse_time
from ingest.connectors.validation import Param
from ingest.connectors.registry import register
from ingest.limits.types import KnownLimit, LimitReading

POSTS = "bsky_posts"
LARGEST_PAGE = 100
GROUP = "appview"
_POLICY = re.compile(r"(\d+(?:\.\d+)?)\s*;\s*w=(\d+(?:\.\d+)?)")


class BlueskyConnector(Connector):
    name = "bluesky"
    queue = "ingest.bluesky"
    default_base_url = "https://public.api.bsky.app"
    collections = (Collection(POSTS),)
    params = common_params(default_base_url, credential_help="name of an access token (optional)") + (
        Param("q", str, None, "search query (app.bsky.feed.searchPosts)"),
        Param("actor", str, None, "handle or DID whose feed to read (app.bsky.feed.getAuthorFeed)"),
        Param("sort", str, "latest", "search order", choices=("latest", "top")),
        Param("lang", str, None, "search: only posts in this language code"),
        Param("filter", str, "posts_with_replies", "author feed filter",
              choices=("posts_with_replies", "posts_no_replies", "posts_with_media",
                       "posts_and_author_threads")),
        Param("with_threads", bool, False, "also fetch the reply thread of each post with replies"),
        Param("thread_depth", int, 6, "reply levels of each thread", minimum=0, maximum=1000),
    )

    def check(self, spec: dict) -> None:
        if bool(spec["q"]) == bool(spec["actor"]):
            raise ParameterError("bluesky: pass exactly one of q='search words' or actor='handle'.")

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        if spec["q"]:
            lang = f":lang={spec['lang']}" if spec["lang"] else ""
            return f"search:{spec['q']}:{spec['sort']}{lang}@{host}"
        return f"author:{spec['actor']}:{spec['filter']}@{host}"

    def watermark_order(self, watermark: dict) -> Any:
        return parse_time(watermark["since"])

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        bounds = _bounds(spec, watermark["since"] if spec["incremental"] and watermark else None)
        params: dict[str, Any] = {"limit": page_size(spec, 0, LARGEST_PAGE)}
        context: dict[str, Any] = {"emitted": 0}
        if bounds.since is not None:
            context["since"] = iso_z(bounds.since)
        if spec["q"]:
            url = f"{spec['base_url']}/xrpc/app.bsky.feed.searchPosts"
            params.update({"q": spec["q"], "sort": spec["sort"]})
            if spec["lang"]:
                params["lang"] = spec["lang"]
            if bounds.since is not None:
                params["since"] = iso_z(bounds.since)
            if bounds.until is not None:
                params["until"] = iso_z(bounds.until)
        else:
            url = f"{spec['base_url']}/xrpc/app.bsky.feed.getAuthorFeed"
            params.update({"actor": spec["actor"], "filter": spec["filter"]})
        return [Request("listing", url, params, group=GROUP, context=context)]

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{response.safe_url}: expected a JSON object")
        if request.kind == "listing":
            return self._parse_listing(request, response, body, spec)
        if request.kind == "thread":
            if not isinstance(body.get("thread"), dict):
                raise MalformedResponseError(f"{response.safe_url}: no 'thread' object")
            return Page(records=[post_record(p) for p in thread_posts(body["thread"])])
        raise MalformedResponseError(f"bluesky cannot parse a {request.kind!r} request")

    def _parse_listing(self, request: Request, response: Response, body: dict, spec: dict) -> Page:
        searching = "posts" in body
        entries = body.get("posts") if searching else body.get("feed")
        if not isinstance(entries, list):
            raise MalformedResponseError(f"{response.safe_url}: no 'posts' or 'feed' list")
        posts = [entry if searching else (entry or {}).get("post") for entry in entries]
        if not all(isinstance(p, dict) and "uri" in p for p in posts):
            raise MalformedResponseError(f"{response.safe_url}: a post has no uri")
        bounds = _bounds(spec, request.context.get("since"))
        kept, total = kept_items(spec, request, bounds, list(map(post_record, posts)))
        children = []
        if spec["with_threads"]:
            children = [Request("thread", f"{spec['base_url']}/xrpc/app.bsky.feed.getPostThread",
                                {"uri": r.key, "depth": spec["thread_depth"], "parentHeight": 0},
                                group=GROUP, depth=request.depth + 1)
                        for r in kept if r.payload.get("replyCount")]
        newest = max((r.created_at for r in kept if r.created_at), default=None)
        page = Page(records=kept, children=children,
                    watermark={"since": iso_z(newest)} if newest else None)
        if not entries or limit_reached(spec, total):
            return page
        newest_first = not searching or spec["sort"] == "latest"
        positions = [p for p in (feed_position(e, searching) for e in entries) if p]
        if newest_first and bounds.passed(min(positions, default=None)):
            return page
        page.next = following_page(BodyCursorPaginator("cursor", "cursor"), response, entries, request,
                                   total, limit=page_size(spec, total, LARGEST_PAGE))
        return page

    def read_limits(self, response: Response, now: float) -> LimitReading:
        """`RateLimit-Policy` "3000;w=300" is 3000 calls per 300 s. When it lists several, the
        other headers count for the one whose quota is `RateLimit-Limit`."""
        stated = parse_float(response.header("RateLimit-Limit"))
        policies = [(float(quota), float(window))
                    for quota, window in _POLICY.findall(response.header("RateLimit-Policy") or "")]
        counted = next((policy for policy in policies if stated in (None, policy[0])), None)
        return LimitReading(
            limit=stated if stated is not None or counted is None else counted[0],
            remaining=parse_float(response.header("RateLimit-Remaining")),
            reset_after=seconds_until_epoch(response.header("RateLimit-Reset"), now),
            retry_after=parse_retry_after(response.header("Retry-After"), now),
            window=counted[1] if counted else None,
        )

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        """3000 calls per 5 minutes per address, as documented and as every recorded answer
        advertises ("3000;w=300"); another figure advertised is adopted."""
        return (KnownLimit(3000, 300.0, per=("host", "ip")),)


def post_record(post: dict) -> Record:
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    created = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
    return Record(POSTS, str(post["uri"]), post, created)


def feed_position(entry: dict, searching: bool) -> datetime | None:
    """When an entry entered its listing: the repost time for reposts, else the post's time."""
    post = entry if searching else entry.get("post", {})
    reason = None if searching else entry.get("reason")
    if isinstance(reason, dict) and reason.get("indexedAt"):
        return parse_time(reason["indexedAt"])
    return post_record(post).created_at


def thread_posts(node: Any) -> list[dict]:
    """Every post of a thread view, depth-first; not-found and blocked nodes are skipped."""
    found: list[dict] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, dict):
            continue
        post = current.get("post")
        if isinstance(post, dict) and "uri" in post:
            found.append(post)
        pending.extend(reversed(current.get("replies") or []))
    return found


def _bounds(spec: dict, resume_since: str | None) -> TimeBounds:
    bounds = TimeBounds.of(spec)
    resumed = parse_time(resume_since)
    if resumed is not None and (bounds.since is None or resumed > bounds.since):
        return TimeBounds(resumed, bounds.until)
    return bounds


register(BlueskyConnector())
