"""Bluesky (AppView XRPC): one query per pull, over posts (search, author feeds, the home
timeline, feed generators, list feeds), one post's thread, actors (followers, follows,
reposters, actor search) or likes; optionally each post's reply thread.

Records and their keys are described in ``bluesky_records``, the queries in ``bluesky_queries``.
A post's time is its ``record.createdAt``. An author feed or timeline is ordered by when items
entered it, so a repost's position is the repost's ``indexedAt``: stopping at ``since`` follows
that order, while filtering uses the post's time. A feed generator's order is its own, so its
pull filters on ``since`` but reads to the end.
Watermark: ``{"since": "<ISO time of the newest post or like>"}``; search passes it as
``since``, feeds and likes stop and filter on it.
Paging: the body's ``cursor`` (a time, an offset, a record key, a DID or opaque text) goes back
as is; a page without ``cursor`` is the last, whatever its length.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.bluesky_queries import (
    ACTOR_LIST, DEFAULT_FILTER, DEFAULT_PARENT_HEIGHT, DEFAULT_SORT, DEFAULT_THREAD_DEPTH, LIKE_LIST,
    POST_SEARCH, THREAD, Query, check_query, query_of,
)
from ingest.connectors.bluesky_records import (
    ACTORS, FOLLOWS, LIKES, POSTS, THREAD_NODES, actor_record, feed_position, follow_record,
    like_record, post_record, thread_posts, thread_tree,
)
from ingest.connectors.headers import parse_float, parse_retry_after, seconds_until_epoch
from ingest.connectors.listing import (
    TimeBounds, common_params, following_page, kept_items, limit_reached, page_size,
)
from ingest.connectors.paginators import BodyCursorPaginator
from ingest.connectors.times import iso_z, parse_time
from ingest.connectors.validation import Param
from ingest.connectors.registry import register
from ingest.limits.types import KnownLimit, LimitReading

LARGEST_PAGE = 100
GROUP = "appview"
PUBLIC_APPVIEW = "https://public.api.bsky.app"
ACCOUNT_SERVICE = "https://bsky.social"
_POLICY = re.compile(r"(\d+(?:\.\d+)?)\s*;\s*w=(\d+(?:\.\d+)?)")
_KINDS = {POST_SEARCH: "listing", "feed": "listing", ACTOR_LIST: "actors", LIKE_LIST: "likes"}


class BlueskyConnector(Connector):
    name = "bluesky"
    queue = "ingest.bluesky"
    default_base_url = PUBLIC_APPVIEW
    collections = (Collection(POSTS), Collection(ACTORS), Collection(LIKES), Collection(FOLLOWS),
                   Collection(THREAD_NODES, indexes=(("thread",),)))
    params = common_params(default_base_url, credential_help="name of a bluesky_app_password credential or an "
                           "access token (optional)") + (
        Param("q", str, None, "search posts (app.bsky.feed.searchPosts)"),
        Param("actor", str, None, "handle or DID whose feed to read (app.bsky.feed.getAuthorFeed)"),
        Param("timeline", bool, False, "the home timeline of the credential's account (app.bsky.feed.getTimeline)"),
        Param("feed", str, None, "a feed generator's AT URI (app.bsky.feed.getFeed)"),
        Param("list_uri", str, None, "a list's AT URI: its members' posts (app.bsky.feed.getListFeed)"),
        Param("thread", str, None, "a post's AT URI: its ancestors and replies (app.bsky.feed.getPostThread)"),
        Param("followers_of", str, None, "handle or DID whose followers to read (app.bsky.graph.getFollowers)"),
        Param("follows_of", str, None, "handle or DID whose follows to read (app.bsky.graph.getFollows)"),
        Param("likes_of", str, None, "a post's AT URI: who liked it, when (app.bsky.feed.getLikes)"),
        Param("reposts_of", str, None, "a post's AT URI: who reposted it (app.bsky.feed.getRepostedBy)"),
        Param("actors", str, None, "search actors by name and handle (app.bsky.actor.searchActors)"),
        Param("sort", str, DEFAULT_SORT, "search order", choices=("latest", "top")),
        Param("lang", str, None, "search: only posts in this language code"),
        Param("author", str, None, "search: only posts by this handle or DID"),
        Param("tag", str, None, "search: only posts with this hashtag, without '#'"),
        Param("filter", str, DEFAULT_FILTER, "author feed filter",
              choices=("posts_with_replies", "posts_no_replies", "posts_with_media",
                       "posts_and_author_threads", "posts_with_video")),
        Param("with_threads", bool, False, "also fetch the reply thread of each post with replies"),
        Param("thread_depth", int, DEFAULT_THREAD_DEPTH, "reply levels of each thread", minimum=0, maximum=1000),
        Param("parent_height", int, DEFAULT_PARENT_HEIGHT, "thread: ancestor levels above the post",
              minimum=0, maximum=1000),
    )

    def credential_kinds(self, spec: dict) -> tuple[str, ...]:
        return ("bearer", "bluesky_app_password")

    def validate(self, params) -> dict:
        """A pull with a credential goes to the account's server: the public AppView does not
        take access tokens."""
        spec = super().validate(params)
        if spec.get("credential") and urlsplit(spec["base_url"]).hostname == urlsplit(PUBLIC_APPVIEW).hostname:
            spec["base_url"] = ACCOUNT_SERVICE
        return spec

    def token_refused(self, response: Response) -> bool:
        if response.status not in (400, 401):
            return False
        try:
            body = response.json()
        except MalformedResponseError:
            return False
        return isinstance(body, dict) and body.get("error") in ("ExpiredToken", "InvalidToken")

    def check_request(self, base_url: str) -> Request | None:
        if urlsplit(base_url).hostname == urlsplit(PUBLIC_APPVIEW).hostname:
            base_url = ACCOUNT_SERVICE
        return Request("check", f"{base_url.rstrip('/')}/xrpc/app.bsky.feed.getTimeline", {"limit": 1})

    def check(self, spec: dict) -> None:
        if spec["tag"]:
            spec["tag"] = spec["tag"].lstrip("#")
        check_query(spec)

    def collections_for(self, spec: dict) -> tuple[Collection, ...]:
        query = query_of(spec)
        wanted = {POST_SEARCH: (POSTS,), "feed": (POSTS,), THREAD: (POSTS, THREAD_NODES),
                  LIKE_LIST: (LIKES,), ACTOR_LIST: (ACTORS,)}[query.kind]
        if query.param in ("followers_of", "follows_of"):
            wanted += (FOLLOWS,)
        return tuple(c for name in wanted for c in self.collections if c.name == name)

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        query = query_of(spec)
        if query.param == "q":
            narrowed = "".join(f":{name}={spec[name]}" for name in ("lang", "author", "tag") if spec.get(name))
            return f"search:{spec['q']}:{spec['sort']}{narrowed}@{host}"
        if query.param == "actor":
            return f"author:{spec['actor']}:{spec['filter']}@{host}"
        if query.param == "timeline":
            return f"timeline:{spec['credential']}@{host}"
        return f"{query.param}:{spec[query.param]}@{host}"

    def watermark_order(self, watermark: dict) -> Any:
        return parse_time(watermark["since"])

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        query = query_of(spec)
        url = f"{spec['base_url']}/xrpc/{query.method}"
        if query.kind == THREAD:
            params = {"uri": spec["thread"], "depth": spec["thread_depth"], "parentHeight": spec["parent_height"]}
            return [Request("post_thread", url, params, group=GROUP)]
        bounds = _bounds(spec, watermark["since"] if spec["incremental"] and watermark else None)
        params: dict[str, Any] = {"limit": page_size(spec, 0, LARGEST_PAGE)}
        if query.argument:
            params[query.argument] = spec[query.param]
        context: dict[str, Any] = {"emitted": 0}
        if bounds.since is not None:
            context["since"] = iso_z(bounds.since)
        if query.kind == POST_SEARCH:
            params["sort"] = spec["sort"]
            params.update({name: spec[name] for name in ("lang", "author", "tag") if spec[name]})
            if bounds.since is not None:
                params["since"] = iso_z(bounds.since)
            if bounds.until is not None:
                params["until"] = iso_z(bounds.until)
        elif query.param == "actor":
            params["filter"] = spec["filter"]
        return [Request(_KINDS[query.kind], url, params, group=GROUP, context=context)]

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{response.safe_url}: expected a JSON object")
        if request.kind == "listing":
            return self._parse_listing(request, response, body, spec)
        if request.kind == "actors":
            return self._parse_actors(request, response, body, spec)
        if request.kind == "likes":
            return self._parse_likes(request, response, body, spec)
        if request.kind in ("thread", "post_thread"):
            if not isinstance(body.get("thread"), dict):
                raise MalformedResponseError(f"{response.safe_url}: no 'thread' object")
            if request.kind == "post_thread":
                return Page(records=thread_tree(request.params["uri"], body["thread"]))
            return Page(records=[post_record(p) for p in thread_posts(body["thread"])])
        raise MalformedResponseError(f"bluesky cannot parse a {request.kind!r} request")

    def _parse_listing(self, request: Request, response: Response, body: dict, spec: dict) -> Page:
        query = query_of(spec)
        searching = query.kind == POST_SEARCH
        entries = _items(body, query, response)
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
        page = Page(records=kept, children=children, watermark=_newest(kept))
        if not entries or limit_reached(spec, total):
            return page
        newest_first = query.newest_first and (not searching or spec["sort"] == "latest")
        positions = [p for p in (feed_position(e, searching) for e in entries) if p]
        if newest_first and bounds.passed(min(positions, default=None)):
            return page
        page.next = following_page(BodyCursorPaginator("cursor", "cursor"), response, entries, request,
                                   total, limit=page_size(spec, total, LARGEST_PAGE))
        return page

    def _parse_actors(self, request: Request, response: Response, body: dict, spec: dict) -> Page:
        query = query_of(spec)
        actors = [actor_record(a, response.safe_url) for a in _items(body, query, response)]
        kept, total = kept_items(spec, request, TimeBounds(None, None), actors)
        records = list(kept)
        if query.param in ("followers_of", "follows_of"):
            subject = actor_record(body.get("subject"), f"{response.safe_url} subject").key
            records += [follow_record(r.key, subject) if query.param == "followers_of"
                        else follow_record(subject, r.key) for r in kept]
        return Page(records=records, next=_next_page(request, body, actors, total, spec))

    def _parse_likes(self, request: Request, response: Response, body: dict, spec: dict) -> Page:
        query = query_of(spec)
        subject = {"uri": body.get("uri") or request.params["uri"]}
        if body.get("cid"):
            subject["cid"] = body["cid"]
        likes = [like_record(like, subject, response.safe_url) for like in _items(body, query, response)]
        bounds = _bounds(spec, request.context.get("since"))
        kept, total = kept_items(spec, request, bounds, likes)
        page = Page(records=kept, watermark=_newest(kept))
        if not bounds.passed(min((r.created_at for r in likes if r.created_at), default=None)):
            page.next = _next_page(request, body, likes, total, spec)
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
        advertises ("3000;w=300"), with the remaining calls and the reset (RateLimit-*);
        another figure advertised is adopted."""
        return (KnownLimit(3000, 300.0, per=("host", "ip"), reported=True),)


def _items(body: dict, query: Query, response: Response) -> list:
    entries = body.get(query.items or "")
    if not isinstance(entries, list):
        raise MalformedResponseError(f"{response.safe_url}: no '{query.items}' list")
    return entries


def _next_page(request: Request, body: dict, items: list[Record], total: int, spec: dict) -> Request | None:
    """The page the body's cursor names. A short or empty page may still have one: the API
    leaves out items it hides after choosing the page; only a missing cursor ends the list."""
    cursor = body.get("cursor")
    if limit_reached(spec, total) or not isinstance(cursor, str) or not cursor:
        return None
    if not items and cursor == request.params.get("cursor"):
        return None
    params = {**request.params, "cursor": cursor, "limit": page_size(spec, total, LARGEST_PAGE)}
    return request.next_page(params, emitted=total)


def _newest(records: list[Record]) -> dict | None:
    newest = max((r.created_at for r in records if r.created_at), default=None)
    return {"since": iso_z(newest)} if newest else None


def _bounds(spec: dict, resume_since: str | None) -> TimeBounds:
    bounds = TimeBounds.of(spec)
    resumed = parse_time(resume_since)
    if resumed is not None and (bounds.since is None or resumed > bounds.since):
        return TimeBounds(resumed, bounds.until)
    return bounds


register(BlueskyConnector())
