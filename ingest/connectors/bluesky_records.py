"""Bluesky answers as records: posts, actors, likes, follow edges and the nodes of a thread.

Posts are keyed by ``uri``, actors by ``did``. A like is keyed by the liker's DID and the liked
post's URI ("<did>|<uri>"), and carries that post as ``subject`` (the like record's own field
name). A follow edge is keyed "<follower did>|<followed did>". A thread node is keyed
"<uri asked for>|<uri of the node>" and says where the node sits: its parent's URI and its
depth (0 for the post asked for, negative for its ancestors, positive for replies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Record
from ingest.connectors.times import parse_time

POSTS = "bsky_posts"
ACTORS = "bsky_actors"
LIKES = "bsky_likes"
FOLLOWS = "bsky_follows"
THREAD_NODES = "bsky_thread_nodes"
TYPE_PREFIX = "app.bsky.feed.defs#"


def post_record(post: dict) -> Record:
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    created = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
    return Record(POSTS, str(post["uri"]), post, created)


def actor_record(actor: Any, where: str) -> Record:
    if not isinstance(actor, dict) or not isinstance(actor.get("did"), str):
        raise MalformedResponseError(f"{where}: an actor has no did")
    return Record(ACTORS, actor["did"], actor, parse_time(actor.get("createdAt")))


def like_record(like: Any, subject: dict, where: str) -> Record:
    actor = like.get("actor") if isinstance(like, dict) else None
    if not isinstance(actor, dict) or not isinstance(actor.get("did"), str):
        raise MalformedResponseError(f"{where}: a like has no actor did")
    return Record(LIKES, f"{actor['did']}|{subject['uri']}", {**like, "subject": subject},
                  parse_time(like.get("createdAt")))


def follow_record(follower: str, followed: str) -> Record:
    return Record(FOLLOWS, f"{follower}|{followed}", {"follower": follower, "followed": followed})


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


def thread_tree(anchor: str, thread: dict) -> list[Record]:
    """A thread view as records: each post, then its node, from the topmost ancestor down to
    the post asked for, then its replies depth-first. Missing and blocked posts are nodes only."""
    ancestors = []
    parent = thread.get("parent")
    while isinstance(parent, dict):
        ancestors.append(parent)
        parent = parent.get("parent")
    records: list[Record] = []
    above = None
    for depth, node in zip(range(-len(ancestors), 0), reversed(ancestors)):
        above = _add_node(records, anchor, node, above, depth)
    pending = [(thread, above, 0)]
    while pending:
        node, parent_uri, depth = pending.pop()
        uri = _add_node(records, anchor, node, parent_uri, depth)
        replies = node.get("replies") if isinstance(node.get("replies"), list) else []
        pending.extend((reply, uri, depth + 1) for reply in reversed(replies) if isinstance(reply, dict))
    return records


def _add_node(records: list[Record], anchor: str, node: dict, parent: str | None, depth: int) -> str | None:
    post = node.get("post")
    uri = post.get("uri") if isinstance(post, dict) else node.get("uri")
    if not isinstance(uri, str):
        return None
    created = None
    if isinstance(post, dict):
        records.append(post_record(post))
        created = records[-1].created_at
    kind = str(node.get("$type") or "threadViewPost").removeprefix(TYPE_PREFIX)
    records.append(Record(THREAD_NODES, f"{anchor}|{uri}",
                          {"thread": anchor, "uri": uri, "parent": parent, "depth": depth, "type": kind},
                          created))
    return uri
