"""Reddit comment trees: flattening nested listings into records and expanding `more` stubs.

A comment tree arrives nested (each comment's ``replies`` is a Listing). Each comment is stored
as its own record, keyed by fullname, with ``replies`` removed: the tree stays reachable through
``parent_id``, and a deep thread does not repeat its whole subtree inside every ancestor.

A ``more`` stub lists ids still to fetch. They are fetched through ``/api/morechildren`` at most
100 ids a call. A stub with no ids ("continue this thread") is fetched by reading the
thread again from its parent comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Record
from ingest.connectors.times import parse_time

POSTS = "reddit_posts"
COMMENTS = "reddit_comments"
MORECHILDREN_BATCH = 100


@dataclass
class CommentHarvest:
    """What a walk over comment things found."""

    records: list[Record] = field(default_factory=list)
    more_ids: list[str] = field(default_factory=list)
    continue_parents: list[str] = field(default_factory=list)


def thing_record(thing: dict) -> Record | None:
    """A t3 (post) or t1 (comment) thing as a record; None for other kinds."""
    kind, data = thing.get("kind"), thing.get("data")
    if kind not in ("t1", "t3") or not isinstance(data, dict) or "name" not in data:
        return None
    payload = dict(data)
    payload.pop("replies", None)
    collection = POSTS if kind == "t3" else COMMENTS
    return Record(collection, str(data["name"]), payload, parse_time(data.get("created_utc")))


def harvest(things: list[Any], max_depth: int | None, into: CommentHarvest | None = None) -> CommentHarvest:
    """Walk comment things depth-first, collecting records and the stubs still to fetch."""
    found = into if into is not None else CommentHarvest()
    for thing in things:
        if not isinstance(thing, dict):
            raise MalformedResponseError("reddit comment tree holds a non-object thing")
        if thing.get("kind") == "more":
            _collect_stub(thing.get("data") or {}, max_depth, found)
            continue
        record = thing_record(thing)
        if record is None:
            continue
        found.records.append(record)
        replies = thing["data"].get("replies")
        if isinstance(replies, dict):
            harvest(listing_children(replies), max_depth, found)
    return found


def _collect_stub(stub: dict, max_depth: int | None, found: CommentHarvest) -> None:
    depth = stub.get("depth")
    if max_depth is not None and isinstance(depth, int) and depth >= max_depth:
        return
    ids = [str(i) for i in stub.get("children") or []]
    if ids:
        found.more_ids.extend(ids)
    elif stub.get("count") and max_depth is None and stub.get("parent_id"):
        found.continue_parents.append(str(stub["parent_id"]))


def listing_children(listing: Any) -> list[Any]:
    """The `children` of a Listing object; MalformedResponseError for anything else."""
    if not isinstance(listing, dict) or not isinstance(listing.get("data"), dict):
        raise MalformedResponseError("reddit: expected a Listing object")
    children = listing["data"].get("children")
    if not isinstance(children, list):
        raise MalformedResponseError("reddit: Listing has no children list")
    return children


def morechildren_things(body: Any) -> list[Any]:
    """The things of a /api/morechildren answer (api_type=json)."""
    payload = body.get("json") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        raise MalformedResponseError("reddit morechildren: expected {'json': {...}}")
    errors = payload.get("errors") or []
    if errors:
        codes = ", ".join(str(e[0]) if isinstance(e, list) and e else "?" for e in errors)
        raise MalformedResponseError(f"reddit morechildren answered errors: {codes}")
    things = (payload.get("data") or {}).get("things")
    if not isinstance(things, list):
        raise MalformedResponseError("reddit morechildren: no things list")
    return things


def batches(ids: list[str], size: int = MORECHILDREN_BATCH) -> list[list[str]]:
    """Distinct ids, in order, cut into lists of at most `size`."""
    distinct = list(dict.fromkeys(ids))
    return [distinct[start:start + size] for start in range(0, len(distinct), size)]
