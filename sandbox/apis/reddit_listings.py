"""Reddit's Listings: the front page, subreddits, users and search, each ranked as asked and
paged with `after`/`before` fullnames, at most 1,000 items deep like Reddit's.

Search matches every word of `q` against post titles (case-insensitive, whole words).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from sandbox.data.reddit import SUBREDDITS, RedditData
from sandbox.data.reddit_activity import (
    Thing, comment_count, controversy, created, fullname, hot, score, thing_json, thing_of, user_things,
)
from sandbox.paging import bool_param, int_param
from sandbox.pipeline import RequestContext
from sandbox.responses import ApiResponse, BadParameter, NotFound, encode_json

LISTING_CAP = 1000
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
TIME_SPANS = {"hour": 3600, "day": 86_400, "week": 604_800, "month": 2_592_000,
              "year": 31_536_000, "all": None}
FRONT_ORDERS = ("best", "hot", "new", "top", "rising", "controversial")
SUBREDDIT_ORDERS = ("new", "hot", "top", "rising", "controversial")
USER_LISTINGS = ("submitted", "comments", "overview")
USER_SORTS = ("new", "hot", "top", "controversial")
SEARCH_SORTS = ("relevance", "hot", "top", "new", "comments")
TIMED = ("top", "controversial")
SUBREDDIT_NAMES = {name.lower(): index for index, name in enumerate(SUBREDDITS)}
WORD = re.compile(r"[a-z0-9']+")


def page_limit(ctx: RequestContext) -> int:
    return max(1, min(int_param(ctx.params, "limit", DEFAULT_LIMIT), MAX_LIMIT))


def listing_body(children: list[bytes], after: str | None, before: str | None, extra: bytes = b"") -> bytes:
    return (b'{"kind":"Listing","data":{"after":' + encode_json(after) + b',"dist":'
            + str(len(children)).encode() + extra + b',"modhash":"","geo_filter":"","children":['
            + b",".join(children) + b'],"before":' + encode_json(before) + b"}}")


def _span(ctx: RequestContext, default: str) -> int | None:
    name = ctx.params.get("t") or default
    if name not in TIME_SPANS:
        raise BadParameter(f"t must be one of {', '.join(TIME_SPANS)}")
    return TIME_SPANS[name]


def _within(data: RedditData, things: list[Thing], span: int | None) -> list[Thing]:
    if span is None:
        return things
    newest = data.created(data.count - 1)
    return [thing for thing in things if created(data, thing) > newest - span]


def rank(data: RedditData, things: list[Thing], order: str, span: int | None) -> list[Thing]:
    """`things` (oldest first) in a listing's order; ties go to the newer thing."""
    def by(value: Callable[[RedditData, Thing], float]) -> list[Thing]:
        return sorted(things, key=lambda thing: (-value(data, thing), -thing[1], thing[0]))

    if order == "new":
        return things[::-1]
    if order == "hot":
        return by(hot)
    if order == "best":
        return by(lambda d, thing: hot(d, thing) + math.log10(1 + comment_count(d, thing)))
    if order == "rising":
        newest = data.created(data.count - 1)
        things = [thing for thing in things if created(data, thing) > newest - 86_400]
        return by(lambda d, thing: score(d, thing) / (newest - created(d, thing) + 3600))
    if order == "comments":
        return by(comment_count)
    things = _within(data, things, span)
    return by(controversy) if order == "controversial" else by(score)


def _subreddit(ctx: RequestContext) -> int:
    index = SUBREDDIT_NAMES.get(ctx.path_params["subreddit"].lower())
    if index is None:
        raise NotFound("Not Found")
    return index


def _posts(data: RedditData, subreddit: int | None) -> list[Thing]:
    indexes = range(data.count) if subreddit is None else data.subreddit_posts(subreddit)
    return [("t3", i) for i in indexes]


def front_order(ctx: RequestContext) -> list[str]:
    order = ctx.path_params.get("order", "hot")
    if order not in FRONT_ORDERS:
        raise NotFound("Not Found")
    return _capped(ctx.data, rank(ctx.data, _posts(ctx.data, None), order, _span_of(ctx, order)))


def subreddit_order(ctx: RequestContext) -> list[str]:
    order = ctx.path_params.get("order", "hot")
    if order not in SUBREDDIT_ORDERS:
        raise NotFound("Not Found")
    things = _posts(ctx.data, _subreddit(ctx))
    return _capped(ctx.data, rank(ctx.data, things, order, _span_of(ctx, order)))


def user_order(ctx: RequestContext) -> list[str]:
    data: RedditData = ctx.data
    author = data.author_index(ctx.path_params["username"])
    where = ctx.path_params.get("where", "submitted")
    if author is None or where not in USER_LISTINGS:
        raise NotFound("Not Found")
    order = ctx.params.get("sort") or "new"
    if order not in USER_SORTS:
        raise BadParameter(f"sort must be one of {', '.join(USER_SORTS)}")
    span = _span(ctx, "all") if order in TIMED else None
    return _capped(data, rank(data, user_things(data, author, where), order, span))


def search_order(ctx: RequestContext) -> list[str]:
    data: RedditData = ctx.data
    words = WORD.findall(ctx.params.get("q", "").lower())
    order = ctx.params.get("sort") or "relevance"
    if order not in SEARCH_SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SEARCH_SORTS)}")
    within = None
    if "subreddit" in ctx.path_params and ctx.path_params["subreddit"].lower() != "all":
        within = _subreddit(ctx)
        if not bool_param(ctx.params, "restrict_sr"):
            within = None
    span = _span(ctx, "all")
    if not words:
        return []
    titles = data.indexed("title_words", lambda: [WORD.findall(data.post_title(i).lower())
                                                  for i in range(data.count)])
    hits = {thing: sum(titles[thing[1]].count(word) for word in words)
            for thing in _within(data, _posts(data, within), span)
            if all(word in titles[thing[1]] for word in words)}
    matched = list(hits)
    if order == "relevance":
        ranked = sorted(matched, key=lambda thing: (-hits[thing], -score(data, thing), -thing[1]))
    else:
        ranked = rank(data, matched, order, None)
    return _capped(data, ranked)


def _span_of(ctx: RequestContext, order: str) -> int | None:
    return _span(ctx, "day") if order in TIMED else None


def _capped(data: RedditData, ranked: list[Thing]) -> list[str]:
    return [fullname(data, thing) for thing in ranked[:LISTING_CAP]]


def thing_listing(ctx: RequestContext, ranked: list[str], extra: bytes = b"") -> ApiResponse:
    """One page of `ranked` fullnames after `after` (or before `before`)."""
    data: RedditData = ctx.data
    limit = page_limit(ctx)
    after, before = ctx.params.get("after"), ctx.params.get("before")
    if after:
        position = _position(ranked, after)
        start, stop = (position + 1, position + 1 + limit) if position is not None else (0, 0)
    elif before:
        position = _position(ranked, before)
        start, stop = (max(0, position - limit), position) if position is not None else (0, 0)
    else:
        start, stop = 0, limit
    page = ranked[start:stop]
    next_after = page[-1] if page and stop < len(ranked) else None
    if next_after is not None and ctx.repeat_cursor and after:
        next_after = after
    previous = page[0] if page and start > 0 else None
    children = [thing_json(data, thing) for thing in (thing_of(data, name) for name in page) if thing]
    return ApiResponse.raw_json(listing_body(children, next_after, previous, extra))


def _position(ranked: list[str], name: str) -> int | None:
    try:
        return ranked.index(name)
    except ValueError:
        return None


def front_listing(ctx: RequestContext) -> ApiResponse:
    return thing_listing(ctx, front_order(ctx))


def subreddit_listing(ctx: RequestContext) -> ApiResponse:
    return thing_listing(ctx, subreddit_order(ctx))


def user_listing(ctx: RequestContext) -> ApiResponse:
    return thing_listing(ctx, user_order(ctx))


def search_listing(ctx: RequestContext) -> ApiResponse:
    return thing_listing(ctx, search_order(ctx), extra=b',"facets":{}')
