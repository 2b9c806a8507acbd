"""Bluesky's lists of actors and likes: followers, follows, likes, reposters, actor search.

Follow lists page by the follow record's key, likes by the like's time (the AppView writes it
without trailing zeros), reposters by the DID of the page's last actor, actor search by offset.
A like by a taken-down actor keeps its place in the list but is left out of its page, so a page
may hold fewer likes than `limit` and still have a cursor.
"""

from __future__ import annotations

from sandbox.apis.bluesky_common import (
    actor_param, json_object, next_cursor, offset_cursor, page_limit, required, start_after, start_before, timestamp_cursor,
)
from sandbox.data.bluesky import BlueskyData
from sandbox.pipeline import RequestContext, RouteSpec
from sandbox.responses import ApiResponse, encode_json
from sandbox.timefmt import iso_millis


def _actor_list(data: BlueskyData, actors: list[int]) -> bytes:
    return encode_json([data.profile_view(a) for a in actors])


def _follow_page(ctx: RequestContext, name: str, edges: list[tuple[str, int]], subject: int) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    cursor = ctx.params.get("cursor")
    start = start_before([rkey for rkey, _ in edges], cursor) if cursor else 0
    page = edges[start:start + limit]
    fields = [(name, _actor_list(data, [actor for _, actor in page])),
              ("subject", encode_json(data.profile_view(subject)))]
    if start + limit < len(edges):
        fields.append(("cursor", encode_json(next_cursor(ctx, page[-1][0]))))
    return ApiResponse.raw_json(json_object(fields))


def followers(ctx: RequestContext) -> ApiResponse:
    actor = actor_param(ctx)
    return _follow_page(ctx, "followers", ctx.data.graph.followers(actor), actor)


def follows(ctx: RequestContext) -> ApiResponse:
    actor = actor_param(ctx)
    return _follow_page(ctx, "follows", ctx.data.graph.follows(actor), actor)


def _post_param(ctx: RequestContext) -> tuple[str, int | None]:
    uri = required(ctx, "uri")
    return uri, ctx.data.index_of_uri(uri)


def _like_time(epoch_ms: int) -> str:
    text = iso_millis(epoch_ms)
    return text[:-1].rstrip("0").rstrip(".") + "Z"


def likes(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    uri, index = _post_param(ctx)
    entries = data.graph.likes(index) if index is not None else []
    cursor = timestamp_cursor(ctx)
    start = 0 if cursor is None else start_before([at for at, _ in entries], cursor)
    scanned = entries[start:start + limit]
    shown = [{"actor": data.profile_view(a), "createdAt": iso_millis(at), "indexedAt": iso_millis(at)}
             for at, a in scanned if not data.graph.taken_down(a)]
    fields = [("likes", encode_json(shown))]
    if start + limit < len(entries):
        fields.append(("cursor", encode_json(next_cursor(ctx, _like_time(scanned[-1][0])))))
    fields.append(("uri", encode_json(uri)))
    return ApiResponse.raw_json(json_object(fields))


def reposted_by(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 50)
    uri, index = _post_param(ctx)
    reposters = [a for _, a in data.graph.reposts(index)] if index is not None else []
    start = start_after([data.did(a) for a in reposters], ctx.params.get("cursor"))
    page = reposters[start:start + limit]
    fields = [("repostedBy", _actor_list(data, page))]
    if start + limit < len(reposters):
        fields.append(("cursor", encode_json(next_cursor(ctx, data.did(page[-1])))))
    fields.append(("uri", encode_json(uri)))
    return ApiResponse.raw_json(json_object(fields))


def _actor_hits(ctx: RequestContext) -> list[int]:
    """Actors whose handle, display name or description holds every word of the query."""
    data: BlueskyData = ctx.data
    words = required(ctx, "q").lower().split()
    hits = []
    for actor in range(data.actor_count):
        profile = data.profile_view(actor)
        text = " ".join((profile["handle"], profile["displayName"], profile["description"])).lower()
        if all(word in text for word in words):
            hits.append(actor)
    return hits


def search_actors(ctx: RequestContext) -> ApiResponse:
    data: BlueskyData = ctx.data
    limit = page_limit(ctx, 25)
    hits = _actor_hits(ctx)
    start = offset_cursor(ctx)
    fields = [("actors", _actor_list(data, hits[start:start + limit]))]
    if start + limit < len(hits):
        fields.append(("cursor", encode_json(next_cursor(ctx, str(start + limit)))))
    return ApiResponse.raw_json(json_object(fields))


def followers_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.did(a) for _, a in ctx.data.graph.followers(actor_param(ctx))]


def follows_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.did(a) for _, a in ctx.data.graph.follows(actor_param(ctx))]


def likes_truth(ctx: RequestContext) -> list[str]:
    """Likes as the store keys them: the liker's DID and the post's URI."""
    uri, index = _post_param(ctx)
    graph = ctx.data.graph
    entries = graph.likes(index) if index is not None else []
    return [f"{ctx.data.did(a)}|{uri}" for _, a in entries if not graph.taken_down(a)]


def reposted_by_truth(ctx: RequestContext) -> list[str]:
    _, index = _post_param(ctx)
    return [ctx.data.did(a) for _, a in ctx.data.graph.reposts(index)] if index is not None else []


def search_actors_truth(ctx: RequestContext) -> list[str]:
    return [ctx.data.did(a) for a in _actor_hits(ctx)]


ROUTES = (
    RouteSpec("/xrpc/app.bsky.graph.getFollowers", followers, True, followers_truth),
    RouteSpec("/xrpc/app.bsky.graph.getFollows", follows, True, follows_truth),
    RouteSpec("/xrpc/app.bsky.feed.getLikes", likes, True, likes_truth),
    RouteSpec("/xrpc/app.bsky.feed.getRepostedBy", reposted_by, True, reposted_by_truth),
    RouteSpec("/xrpc/app.bsky.actor.searchActors", search_actors, True, search_actors_truth),
)
