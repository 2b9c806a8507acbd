"""The Bluesky queries one pull can run, and the rules that keep a pull to exactly one of them.

Each query is chosen by one parameter (``q=``, ``actor=``, ``timeline=True``, ``feed=``...),
reads one XRPC method and yields one kind of item: posts (a search or a feed), actors, likes,
or a thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import ParameterError

POST_SEARCH, FEED, ACTOR_LIST, LIKE_LIST, THREAD = "post_search", "feed", "actors", "likes", "thread"
DEFAULT_FILTER = "posts_with_replies"
DEFAULT_SORT = "latest"
DEFAULT_THREAD_DEPTH = 6
DEFAULT_PARENT_HEIGHT = 80


@dataclass(frozen=True)
class Query:
    param: str
    method: str
    argument: str | None
    items: str | None
    kind: str
    newest_first: bool = True

    @property
    def reads_posts(self) -> bool:
        return self.kind in (POST_SEARCH, FEED)


QUERIES = (
    Query("q", "app.bsky.feed.searchPosts", "q", "posts", POST_SEARCH),
    Query("actor", "app.bsky.feed.getAuthorFeed", "actor", "feed", FEED),
    Query("timeline", "app.bsky.feed.getTimeline", None, "feed", FEED),
    Query("feed", "app.bsky.feed.getFeed", "feed", "feed", FEED, newest_first=False),
    Query("list_uri", "app.bsky.feed.getListFeed", "list", "feed", FEED),
    Query("thread", "app.bsky.feed.getPostThread", "uri", None, THREAD),
    Query("followers_of", "app.bsky.graph.getFollowers", "actor", "followers", ACTOR_LIST),
    Query("follows_of", "app.bsky.graph.getFollows", "actor", "follows", ACTOR_LIST),
    Query("likes_of", "app.bsky.feed.getLikes", "uri", "likes", LIKE_LIST),
    Query("reposts_of", "app.bsky.feed.getRepostedBy", "uri", "repostedBy", ACTOR_LIST),
    Query("actors", "app.bsky.actor.searchActors", "q", "actors", ACTOR_LIST),
)
BY_PARAM = {query.param: query for query in QUERIES}

AT_URI = {
    "feed": "app.bsky.feed.generator",
    "list_uri": "app.bsky.graph.list",
    "thread": "app.bsky.feed.post",
    "likes_of": "app.bsky.feed.post",
    "reposts_of": "app.bsky.feed.post",
}
_WEB_PATHS = {"app.bsky.feed.generator": "feed", "app.bsky.graph.list": "lists", "app.bsky.feed.post": "post"}
_WEB_URL = re.compile(r"https?://(?:www\.)?bsky\.app/profile/([^/]+)/(feed|lists|post)/([^/?#]+)")
_AUTHORITY = r"(?:did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]+)"


def query_of(spec: dict) -> Query:
    """The query of a validated spec; a spec stored before a query existed lacks its key."""
    return next(query for query in QUERIES if spec.get(query.param))


def check_query(spec: dict) -> Query:
    """The one query a spec asks for; ParameterError for none, several, or options that do not
    belong to it."""
    chosen = [query for query in QUERIES if spec[query.param]]
    if len(chosen) != 1:
        given = ", ".join(q.param for q in chosen) or "none"
        raise ParameterError(
            "bluesky: pass exactly one of q='words' (post search), actor='handle' (author feed), "
            "timeline=True, feed='at://...generator...', list_uri='at://...list...', thread='at://...post...', "
            "followers_of='handle', follows_of='handle', likes_of='at://...post...', "
            f"reposts_of='at://...post...' or actors='words' (actor search); got {given}.")
    query = chosen[0]
    if query.param in AT_URI:
        _check_at_uri(query.param, spec[query.param])
    _check_options(spec, query)
    return query


def _check_at_uri(name: str, value: str) -> None:
    collection = AT_URI[name]
    if re.fullmatch(rf"at://{_AUTHORITY}/{re.escape(collection)}/[A-Za-z0-9._:~-]+", value):
        return
    web = _WEB_URL.fullmatch(value)
    hint = ""
    if web and _WEB_PATHS[collection] == web.group(2):
        hint = f" For that page pass {name}='at://{web.group(1)}/{collection}/{web.group(3)}'."
    raise ParameterError(
        f"bluesky: {name} must be an AT URI of a {collection} record, "
        f"'at://<did or handle>/{collection}/<record key>', got {value!r}.{hint}")


def _check_options(spec: dict, query: Query) -> None:
    misplaced = []
    if query.param != "q":
        misplaced += [f"{name}={spec[name]!r}" for name in ("lang", "author", "tag") if spec[name]]
        if spec["sort"] != DEFAULT_SORT:
            misplaced.append(f"sort={spec['sort']!r}")
    if misplaced:
        raise ParameterError(f"bluesky: {', '.join(misplaced)} narrow a post search only; "
                             "pass q='words' or drop them.")
    if query.param != "actor" and spec["filter"] != DEFAULT_FILTER:
        raise ParameterError(f"bluesky: filter={spec['filter']!r} applies to an author feed only; "
                             "pass actor='handle' or drop filter.")
    if spec["with_threads"] and not query.reads_posts:
        raise ParameterError(f"bluesky: with_threads follows the posts of a search or a feed, not "
                             f"{query.param}=; drop with_threads (thread='at://...' reads one thread).")
    if spec["parent_height"] != DEFAULT_PARENT_HEIGHT and query.kind != THREAD:
        raise ParameterError("bluesky: parent_height applies to thread='at://...' only; drop it.")
    if spec["thread_depth"] != DEFAULT_THREAD_DEPTH and query.kind != THREAD and not spec["with_threads"]:
        raise ParameterError("bluesky: thread_depth applies to thread='at://...' or with_threads=True; "
                             "drop it or add one of those.")
    if query.kind in (ACTOR_LIST, THREAD):
        timed = [name for name in ("since", "until") if spec[name]] + (["incremental"] if spec["incremental"] else [])
        if timed:
            raise ParameterError(
                f"bluesky: {', '.join(timed)} cannot bound {query.param}=: its items carry no time "
                "to bound them by; drop them.")
    if query.param == "timeline" and not spec["credential"]:
        raise ParameterError("bluesky: timeline=True reads an account's home timeline and needs "
                             "credential='name of that account's access token'.")
