"""Bluesky's AppView XRPC API under /bsky (https://public.api.bsky.app stands here)."""

from __future__ import annotations

import math

from sandbox.apis import bluesky_feeds, bluesky_graph
from sandbox.apis.bluesky_common import (
    actor_param, feed_item, offset_cursor, page_limit, required, time_param,
)
from sandbox.data.bluesky import BlueskyData
from sandbox.limits import WindowState
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiError, ApiResponse, BadParameter, encode_json
from sandbox.text import TOPICS
from sandbox.timefmt import iso_millis, parse_iso

SEARCH_CAP = 10_000
FEED_FILTERS = ("posts_with_replies", "posts_no_replies", "posts_with_media", "posts_and_author_threads",
                "posts_with_video")
THREAD_TYPE = "app.bsky.feed.defs#threadViewPost"
CODES = {400: "InvalidRequest", 401: "AuthMissing", 404: "NotFound", 429: "RateLimitExceeded",
         500: "InternalServerError", 501: "MethodNotImplemented"}


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"error": code or CODES.get(status, "InternalServerError"), "message": message}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"RateLimit-Limit": str(state.limit), "RateLimit-Remaining": str(state.remaining),
            "RateLimit-Reset": str(math.ceil(state.reset_at)),
            "RateLimit-Policy": f"{state.limit};w={round(state.window)}"}


def search_hits(ctx: RequestContext) -> list[int]:
    """Post indexes matching a search, in the order the search returns them, capped."""
    data: BlueskyData = ctx.data
    terms = [t.lstrip("#").lower() for t in required(ctx, "q").split()]
    tag = ctx.params.get("tag")
    if tag:
        terms.append(tag.lstrip("#").lower())
    if any(term not in TOPICS for term in terms):
        return []
    hits = None
    for term in terms:
        found = data.by_topic(TOPICS.index(term))
        hits = found if hits is None else sorted(set(hits) & set(found))
    hits = hits or []
    if "author" in ctx.params:
        author = actor_param(ctx, "author")
        hits = [i for i in hits if data.authors[i] == author]
    since, until = time_param(ctx, "since"), time_param(ctx, "until")
    lang = ctx.params.get("lang")
    if since is not None or until is not None or lang:
        hits = [i for i in hits if (since is None or data.times[i] >= since)
                and (until is None or data.times[i] < until)
                and (not lang or lang in data.post_view(i)["record"]["langs"])]
    sort = ctx.params.get("sort", "latest")
    if sort not in ("latest", "top"):
        raise BadParameter('Error: Params sort must be one of "top", "latest"')
    ordered = hits[::-1] if sort == "latest" else sorted(hits, key=lambda i: (-data.like_count(i), -i))
    return ordered[:SEARCH_CAP]


def search_posts(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 25)
    hits = search_hits(ctx)
    raw_cursor = ctx.params.get("cursor")
    offset = offset_cursor(ctx)
    page = hits[offset:offset + limit]
    body = b'{"posts":[' + b",".join(data.post_bytes(i) for i in page) + b"]"
    if offset + limit < len(hits):
        cursor = raw_cursor if ctx.repeat_cursor and raw_cursor else str(offset + limit)
        body += b',"cursor":' + encode_json(cursor)
    return ApiResponse.raw_json(body + b"}")


def feed_positions(ctx: RequestContext) -> list[int]:
    """The actor's posts for the chosen filter, oldest first."""
    data: BlueskyData = ctx.data
    actor = actor_param(ctx)
    chosen = ctx.params.get("filter", "posts_with_replies")
    if chosen not in FEED_FILTERS:
        raise BadParameter(f"Error: Params filter must be one of {', '.join(FEED_FILTERS)}")
    positions = data.by_author(actor)
    if chosen == "posts_no_replies":
        positions = [i for i in positions if data.parents[i] < 0]
    elif chosen == "posts_with_media":
        positions = [i for i in positions if data.has_embed(i) or data.has_video(i)]
    elif chosen == "posts_with_video":
        positions = [i for i in positions if data.has_video(i)]
    elif chosen == "posts_and_author_threads":
        positions = [i for i in positions if data.parents[i] < 0 or data.authors[data.parents[i]] == actor]
    return positions


def author_feed(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    positions = feed_positions(ctx)
    cursor = ctx.params.get("cursor")
    end = len(positions)
    if cursor:
        try:
            end = data.older_than(positions, int(parse_iso(cursor) * 1000))
        except ValueError:
            raise BadParameter("Error: malformed cursor") from None
    page = positions[max(0, end - limit):end][::-1]
    items = [feed_item(data, index) for index in page]
    body = b'{"feed":[' + b",".join(items) + b"]"
    if end - limit > 0 and page:
        next_cursor = cursor if ctx.repeat_cursor and cursor else iso_millis(data.times[page[-1]])
        body += b',"cursor":' + encode_json(next_cursor)
    return ApiResponse.raw_json(body + b"}")


def _thread_down(data: BlueskyData, index: int, depth: int) -> dict:
    replies = data.children().get(index, ()) if depth > 0 else ()
    return {"$type": THREAD_TYPE, "post": data.post_view(index),
            "replies": [_thread_down(data, child, depth - 1) for child in replies], "threadContext": {}}


def _thread_index(ctx: RequestContext) -> int:
    uri = required(ctx, "uri")
    index = ctx.data.index_of_uri(uri)
    if index is None:
        raise ApiError(f"Post not found: {uri}", 400, "NotFound")
    return index


def post_thread(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    index = _thread_index(ctx)
    depth = _bounded(ctx, "depth", 6)
    height = _bounded(ctx, "parentHeight", 80)
    thread = _thread_down(data, index, depth)
    node = thread
    for current in _ancestors(data, index, height):
        node["parent"] = {"$type": THREAD_TYPE, "post": data.post_view(current), "threadContext": {}}
        node = node["parent"]
    return ApiResponse.json({"thread": thread})


def _ancestors(data: BlueskyData, index: int, height: int) -> list[int]:
    """The post's ancestors, nearest first, at most `height` of them."""
    found, current = [], data.parents[index]
    while current >= 0 and len(found) < height:
        found.append(current)
        current = data.parents[current]
    return found


def _bounded(ctx: RequestContext, name: str, default: int) -> int:
    raw = ctx.params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > 1000:
        raise BadParameter(f"Error: {name} must be an integer from 0 to 1000")
    return int(raw)


def profile(ctx: RequestContext) -> ApiResponse:
    return ApiResponse.json(ctx.data.profile_detailed(actor_param(ctx)))


def unknown_method(ctx: RequestContext) -> ApiResponse:
    raise ApiError("Method Not Implemented", 501)


def search_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.uri(i) for i in search_hits(ctx)]


def feed_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.uri(i) for i in reversed(feed_positions(ctx))]


def thread_truth(ctx: RequestContext) -> list[str]:
    """The thread's posts from its topmost ancestor down, then its replies depth-first."""
    data: BlueskyData = ctx.data
    index = _thread_index(ctx)
    found = [data.uri(i) for i in reversed(_ancestors(data, index, _bounded(ctx, "parentHeight", 80)))]
    pending = [(index, _bounded(ctx, "depth", 6))]
    while pending:
        current, depth = pending.pop()
        found.append(data.uri(current))
        if depth > 0:
            pending.extend((child, depth - 1) for child in reversed(data.children().get(current, ())))
    return found


SPEC = ApiSpec(
    name="bsky",
    prefix="/bsky",
    routes=(
        RouteSpec("/xrpc/app.bsky.feed.searchPosts", search_posts, True, search_truth),
        RouteSpec("/xrpc/app.bsky.feed.getAuthorFeed", author_feed, True, feed_truth),
        RouteSpec("/xrpc/app.bsky.feed.getPostThread", post_thread, truth=thread_truth),
        RouteSpec("/xrpc/app.bsky.actor.getProfile", profile),
        *bluesky_feeds.ROUTES,
        *bluesky_graph.ROUTES,
        RouteSpec("/xrpc/{method}", unknown_method),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    static_headers={"x-powered-by": "Express", "access-control-allow-origin": "*", "vary": "Accept-Encoding"},
    cursor_params=("cursor",),
)
