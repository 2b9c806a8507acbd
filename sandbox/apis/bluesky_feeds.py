"""Bluesky feeds beside an author's: the home timeline (a token's), feed generators and lists.

The timeline is read as one account (`SocialGraph.viewer`) whatever the token; without a token
it is refused as the AppView refuses it. A feed generator's cursor is opaque: a digest and the
URI of the page's last post. Timeline and list feed cursors are the last item's time.
"""

from __future__ import annotations

from sandbox.apis.bluesky_common import (
    feed_item, json_object, next_cursor, page_limit, required, start_after, start_before, timestamp_cursor,
)
from sandbox.data.bluesky import BlueskyData
from sandbox.pipeline import RequestContext, RouteSpec
from sandbox.responses import ApiError, ApiResponse, BadParameter, encode_json
from sandbox.timefmt import iso_millis


def _timeline_entries(ctx: RequestContext) -> list[tuple[int, int, int | None]]:
    return ctx.data.graph.timeline()


def timeline(ctx: RequestContext) -> ApiResponse:
    if not ctx.authenticated:
        raise ApiError("Authentication Required", 401, "AuthenticationRequired")
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    entries = _timeline_entries(ctx)
    cursor = timestamp_cursor(ctx)
    start = 0 if cursor is None else start_before([at for at, _, _ in entries], cursor)
    page = entries[start:start + limit]
    fields = [("feed", b"[" + b",".join(feed_item(data, i, by, at) for at, i, by in page) + b"]")]
    if start + limit < len(entries):
        fields.append(("cursor", encode_json(next_cursor(ctx, iso_millis(page[-1][0])))))
    return ApiResponse.raw_json(json_object(fields))


def _feed_posts(ctx: RequestContext) -> tuple[str, list[int]]:
    data: BlueskyData = ctx.data
    uri = required(ctx, "feed")
    topic = data.graph.feed_topic(uri)
    if topic is None:
        raise ApiError("could not find feed", 400, "UnknownFeed")
    return uri, data.by_topic(topic)[::-1]


def feed(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    uri, posts = _feed_posts(ctx)
    start = 0
    raw = ctx.params.get("cursor")
    if raw:
        last = raw.partition("+")[2]
        if data.graph.feed_cursor(uri, last) != raw:
            raise BadParameter("Error: malformed cursor")
        start = start_after([data.uri(i) for i in posts], last)
    page = posts[start:start + limit]
    fields = [("feed", b"[" + b",".join(feed_item(data, i) for i in page) + b"]")]
    if start + limit < len(posts):
        fields.append(("cursor", encode_json(next_cursor(ctx, data.graph.feed_cursor(uri, data.uri(page[-1]))))))
    return ApiResponse.raw_json(json_object(fields))


def _list_posts(ctx: RequestContext) -> list[int]:
    """The posts of a list's members that reply to nothing, newest first."""
    data: BlueskyData = ctx.data
    number = data.graph.list_number(required(ctx, "list"))
    if number is None:
        raise ApiError("List not found", 400, "UnknownList")
    members = data.graph.list_members(number)
    return sorted((i for actor in members for i in data.by_author(actor) if data.parents[i] < 0), reverse=True)


def list_feed(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    posts = _list_posts(ctx)
    cursor = timestamp_cursor(ctx)
    start = 0 if cursor is None else start_before([data.times[i] for i in posts], cursor)
    page = posts[start:start + limit]
    fields = [("feed", b"[" + b",".join(feed_item(data, i) for i in page) + b"]")]
    if start + limit < len(posts):
        fields.append(("cursor", encode_json(next_cursor(ctx, iso_millis(data.times[page[-1]])))))
    return ApiResponse.raw_json(json_object(fields))


def timeline_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.uri(i) for _, i, _ in _timeline_entries(ctx)]


def feed_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.uri(i) for i in _feed_posts(ctx)[1]]


def list_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.uri(i) for i in _list_posts(ctx)]


ROUTES = (
    RouteSpec("/xrpc/app.bsky.feed.getTimeline", timeline, True, timeline_truth),
    RouteSpec("/xrpc/app.bsky.feed.getFeed", feed, True, feed_truth),
    RouteSpec("/xrpc/app.bsky.feed.getListFeed", list_feed, True, list_truth),
)
