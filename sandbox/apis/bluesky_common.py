"""What Bluesky's XRPC routes share: their parameters, feed items, and cursor arithmetic."""

from __future__ import annotations

from sandbox.data.bluesky import BlueskyData
from sandbox.det import base32_chars, mix, tid
from sandbox.pipeline import RequestContext
from sandbox.responses import BadParameter, encode_json
from sandbox.timefmt import iso_millis, parse_iso

POST_VIEW_TYPE = "app.bsky.feed.defs#postView"
REPOST_TYPE = "app.bsky.feed.defs#reasonRepost"


def required(ctx: RequestContext, name: str) -> str:
    value = ctx.params.get(name)
    if not value:
        raise BadParameter(f'Error: Params must have the property "{name}"')
    return value


def page_limit(ctx: RequestContext, default: int) -> int:
    raw = ctx.params.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter("Error: limit must be an integer") from None
    if value < 1:
        raise BadParameter("Error: limit can not be less than 1")
    if value > 100:
        raise BadParameter("Error: limit can not be greater than 100")
    return value


def actor_param(ctx: RequestContext, name: str = "actor") -> int:
    actor = ctx.data.actor_index(required(ctx, name))
    if actor is None:
        raise BadParameter("Profile not found")
    return actor


def time_param(ctx: RequestContext, name: str) -> int | None:
    """A time parameter in epoch milliseconds."""
    raw = ctx.params.get(name)
    if raw is None:
        return None
    try:
        return int(round(parse_iso(raw) * 1000))
    except ValueError:
        raise BadParameter(f"Error: {name} must be a valid datetime") from None


def typed_view(data: BlueskyData, index: int) -> dict:
    return {**data.post_view(index), "$type": POST_VIEW_TYPE}


def feed_item(data: BlueskyData, index: int, reposter: int | None = None, reposted_ms: int = 0,
              with_reply: bool = True) -> bytes:
    """One feed entry: the post, the posts it replies to, and why it is there when reposted."""
    entry = b'{"post":' + data.post_bytes(index)
    parent = data.parents[index]
    if with_reply and parent >= 0:
        reply = {"root": typed_view(data, data.root(index)), "parent": typed_view(data, parent)}
        entry += b',"reply":' + encode_json(reply)
    if reposter is not None:
        rkey = tid(reposted_ms * 1000 + mix(data.seed, 48, index, reposter) % 1000, mix(data.seed, 49, index))
        reason = {"$type": REPOST_TYPE, "by": data.profile_basic(reposter),
                  "uri": f"at://{data.did(reposter)}/app.bsky.feed.repost/{rkey}",
                  "cid": "bafyrei" + base32_chars(mix(data.seed, 50, index, reposter), 52),
                  "indexedAt": iso_millis(reposted_ms)}
        entry += b',"reason":' + encode_json(reason)
    return entry + b"}"


def json_object(fields: list[tuple[str, bytes]]) -> bytes:
    """A JSON object from already-encoded values."""
    return b"{" + b",".join(encode_json(name) + b":" + value for name, value in fields) + b"}"


def start_before(keys: list, cursor) -> int:
    """In keys sorted newest first, the position of the first one older than the cursor."""
    return next((position for position, key in enumerate(keys) if key < cursor), len(keys))


def start_after(keys: list[str], cursor: str | None) -> int:
    """The position after the item whose key is the cursor (a DID, a post URI)."""
    if not cursor:
        return 0
    try:
        return keys.index(cursor) + 1
    except ValueError:
        raise BadParameter("Error: malformed cursor") from None


def offset_cursor(ctx: RequestContext) -> int:
    """Where a search page starts: its cursor is the offset of its first hit."""
    raw = ctx.params.get("cursor")
    if raw is not None and not raw.isdigit():
        raise BadParameter("Error: malformed cursor")
    return int(raw) if raw else 0


def timestamp_cursor(ctx: RequestContext) -> int | None:
    raw = ctx.params.get("cursor")
    if not raw:
        return None
    try:
        return int(round(parse_iso(raw) * 1000))
    except ValueError:
        raise BadParameter("Error: malformed cursor") from None


def next_cursor(ctx: RequestContext, made: str) -> str:
    """The cursor a page hands out: the one it was given when the scenario repeats cursors."""
    given = ctx.params.get("cursor")
    return given if ctx.repeat_cursor and given else made
