"""What each record collection's frame holds whatever its rows: the type of its ids, the
columns added for joins, and the columns of an empty frame.

Ids and references to ids have one type per source, so that frames join on them:
- Hacker News (items, users, search hits): item ids are integers, as the API sends them, in
  nullable `Int64` columns (`id`, `parent`, `poll`; `objectID`, `story_id`, `parent_id` of a search
  hit); a missing reference is <NA>. The lists `kids`, `parts` and `submitted` keep their ints.
  A user's `id` is a name, so text.
- Every other source: ids are text (Reddit's base-36 ids, Mastodon's and Bluesky's).

Reddit comments also get the bare ids of what they answer: `post_id` is `link_id` without its
`t3_` prefix, and `parent_comment_id` is `parent_id` without its `t1_` prefix, or None for a
top-level comment (whose parent is the post). So `comments.merge(posts, left_on="post_id",
right_on="id")` and `comments.merge(comments, left_on="parent_comment_id", right_on="id")` join.

An empty frame has the collection's usual columns: those every record of the recorded API
answers carries (a core of them, at depth 1), and the store's `_id` and `_ingest.*` fields.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ingest.connectors.registry import epoch_fields as declared_epoch_fields

INTEGER_IDS: dict[str, frozenset[str]] = {
    "hn_items": frozenset({"id", "parent", "poll"}),
    "hn_search_hits": frozenset({"objectID", "story_id", "parent_id"}),
}

# (new column, column it is read from, the prefix taken off, what a value without it means)
BARE_IDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "reddit_comments": (("post_id", "link_id", "t3_"), ("parent_comment_id", "parent_id", "t1_")),
}

STORE_COLUMNS = ("_ingest.source", "_ingest.host", "_ingest.endpoint", "_ingest.last_fetched",
                 "_ingest.first_fetched", "_ingest.jobs")

USUAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "hn_items": ("id", "type", "by", "time", "title", "url", "text", "score", "descendants", "parent", "kids"),
    "hn_users": ("id", "created", "karma", "about", "submitted"),
    "hn_search_hits": ("objectID", "created_at", "created_at_i", "author", "title", "url", "points",
                       "story_text", "comment_text", "num_comments", "story_id", "story_title", "story_url",
                       "parent_id", "_tags"),
    "reddit_posts": ("id", "name", "subreddit", "subreddit_id", "author", "created_utc", "title", "selftext",
                     "url", "permalink", "domain", "score", "ups", "num_comments", "over_18", "is_self"),
    "reddit_comments": ("id", "name", "subreddit", "subreddit_id", "link_id", "post_id", "parent_id",
                        "parent_comment_id", "author", "created_utc", "body", "score", "ups", "permalink"),
    "mastodon_statuses": ("id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "uri", "url",
                          "content", "language", "visibility", "sensitive", "spoiler_text", "replies_count",
                          "reblogs_count", "favourites_count", "account.id", "account.acct",
                          "account.display_name", "reblog", "media_attachments", "mentions", "tags"),
    "mastodon_accounts": ("id", "username", "acct", "display_name", "created_at", "note", "url", "bot",
                          "locked", "followers_count", "following_count", "statuses_count", "last_status_at"),
}


def usual_columns(collection: str, depth: int = 1) -> list[str]:
    """The columns of an empty frame of `collection` flattened to `depth` levels."""
    columns: list[str] = ["_id"]
    for name in (*USUAL_COLUMNS.get(collection, ()), *STORE_COLUMNS):
        column = ".".join(name.split(".")[:depth + 1])
        if column not in columns:
            columns.append(column)
    return columns


def empty_frame(collection: str, depth: int = 1) -> pd.DataFrame:
    """A frame of no rows with the collection's usual columns, typed as rows would make them."""
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in usual_columns(collection, depth)})
    times = declared_epoch_fields(collection) | {"_ingest.last_fetched", "_ingest.first_fetched"}
    for name in frame.columns:
        if name in times:
            frame[name] = pd.Series([], dtype="datetime64[us, UTC]")
    return with_integer_ids(frame, collection)


def with_integer_ids(frame: pd.DataFrame, collection: str) -> pd.DataFrame:
    """The collection's integer id columns as nullable Int64, in place; a column holding a value
    that is not a whole number stays as it is."""
    for name in INTEGER_IDS.get(collection, ()):
        if name not in frame.columns:
            continue
        try:
            numbers = pd.to_numeric(frame[name].astype(object).where(frame[name].notna(), None))
            frame[name] = numbers.astype("Int64")
        except (ValueError, TypeError, OverflowError):
            continue
    return frame


def _bare(value: object, prefix: str) -> object:
    if isinstance(value, str) and value.startswith(prefix):
        return value[len(prefix):]
    return None


def with_bare_ids(frame: pd.DataFrame, collection: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The collection's bare-id columns, each after the column it is read from (only when the
    frame's columns were not chosen)."""
    if columns is not None:
        return frame
    for name, source, prefix in BARE_IDS.get(collection, ()):
        if source not in frame.columns:
            continue
        values = [_bare(value, prefix) for value in frame[source]]
        if name in frame.columns:
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
        else:
            frame.insert(frame.columns.get_loc(source) + 1, name, pd.Series(values, index=frame.index, dtype=object))
    return frame
