"""Reddit things as listings see them: a user's posts and comments, the numbers listings rank
things by, and comments shown outside their thread (with the post they belong to).

A thing is `("t3", post index)` or `("t1", comment ordinal)`.
"""

from __future__ import annotations

import math
from typing import Any

from sandbox.data.reddit import RedditData
from sandbox.det import unit
from sandbox.responses import encode_json

Thing = tuple[str, int]
# Reddit's hot ranking counts time from this moment (December 2005), 45,000 s per tenfold score.
HOT_EPOCH = 1_134_028_003
HOT_SECONDS = 45_000


def fullname(data: RedditData, thing: Thing) -> str:
    kind, index = thing
    return data.post_fullname(index) if kind == "t3" else "t1_" + data.comment_id(index)


def thing_of(data: RedditData, name: str) -> Thing | None:
    if name.startswith("t1_"):
        ordinal = data.comment_ordinal(name)
        return None if ordinal is None else ("t1", ordinal)
    index = data.post_index(name)
    return None if index is None else ("t3", index)


def user_things(data: RedditData, author: int, where: str) -> list[Thing]:
    """A user's posts (`submitted`), comments (`comments`) or both (`overview`), oldest first."""
    posts = [("t3", i) for i in data.author_posts(author)] if where != "comments" else []
    comments = [("t1", o) for o in comments_by_author(data, author)] if where != "submitted" else []
    return sorted(posts + comments, key=lambda thing: (created(data, thing), thing))


def comments_by_author(data: RedditData, author: int) -> list[int]:
    by_author = data.indexed("comments_by_author", lambda: _comments_by_author(data))
    return by_author.get(author, [])


def _comments_by_author(data: RedditData) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for ordinal in range(data.comment_starts[-1]):
        found.setdefault(data.comment_author(ordinal), []).append(ordinal)
    return found


def created(data: RedditData, thing: Thing) -> float:
    kind, index = thing
    if kind == "t3":
        return data.created(index)
    times = data.indexed(("comment_created", data.comment_author(index)), dict)
    if index not in times:
        post = data.post_of_comment(index)
        times[index] = data.comment_text(post, index - data.comment_starts[post])[1]
    return times[index]


def score(data: RedditData, thing: Thing) -> int:
    kind, index = thing
    return data.scores[index] if kind == "t3" else data.comment_score(index)


def hot(data: RedditData, thing: Thing) -> float:
    return math.log10(max(score(data, thing), 1)) + (created(data, thing) - HOT_EPOCH) / HOT_SECONDS


def controversy(data: RedditData, thing: Thing) -> float:
    """Votes raised to their balance (down over up, 0 to 1): many votes, evenly split, rank first."""
    kind, index = thing
    balance = unit(data.seed, 15 if kind == "t3" else 16, index)
    return (score(data, thing) + 1) ** balance


def comment_count(data: RedditData, thing: Thing) -> int:
    kind, index = thing
    return data.comment_counts[index] if kind == "t3" else 0


def thing_json(data: RedditData, thing: Thing) -> bytes:
    kind, index = thing
    if kind == "t3":
        return data.post_thing(index)
    return encode_json({"kind": "t1", "data": listed_comment(data, index)})


def listed_comment(data: RedditData, ordinal: int) -> dict[str, Any]:
    """A comment in a listing (a user's comments): its fields and those of its post."""
    post = data.post_of_comment(ordinal)
    comment = data.comment_json(post, ordinal - data.comment_starts[post], "")
    link = data.post_json(post)
    comment.update({
        "link_title": link["title"], "link_author": link["author"], "link_url": link["url"],
        "link_permalink": "https://www.reddit.com" + link["permalink"],
        "num_comments": link["num_comments"], "over_18": link["over_18"], "quarantine": False,
    })
    return comment
