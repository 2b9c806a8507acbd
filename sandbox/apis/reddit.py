"""Reddit's OAuth API under /reddit (https://oauth.reddit.com stands here)."""

from __future__ import annotations

import math

from sandbox.data.reddit import SUBREDDITS, RedditData
from sandbox.limits import WindowState
from sandbox.paging import int_param
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiResponse, BadParameter, NotFound, encode_json

LISTING_CAP = 1000
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MORECHILDREN_MAX = 100
TOP_SPANS = {"hour": 3600, "day": 86_400, "week": 604_800, "month": 2_592_000,
             "year": 31_536_000, "all": None}
LISTING_ORDERS = ("new", "hot", "top", "rising")
COMMENT_SORTS = ("confidence", "top", "new", "controversial", "old", "random", "qa", "live", "best")
SUBREDDIT_NAMES = {name.lower(): index for index, name in enumerate(SUBREDDITS)}


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"message": message, "error": status}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-used": str(state.used), "x-ratelimit-remaining": f"{float(state.remaining):.1f}",
            "x-ratelimit-reset": str(math.ceil(state.reset_in))}


def _limit(ctx: RequestContext) -> int:
    value = int_param(ctx.params, "limit", DEFAULT_LIMIT)
    return max(1, min(value, MAX_LIMIT))


def _subreddit(ctx: RequestContext) -> int:
    index = SUBREDDIT_NAMES.get(ctx.path_params["subreddit"].lower())
    if index is None:
        raise NotFound("Not Found")
    return index


def _hot_score(data: RedditData, index: int) -> float:
    score = data.scores[index]
    return math.log10(max(score, 1)) + (data.created(index) - 1_134_028_003) / 45_000


def subreddit_order(ctx: RequestContext) -> list[int]:
    """Post indexes of a subreddit listing, in the listing's order, capped like Reddit's."""
    data: RedditData = ctx.data
    posts = data.subreddit_posts(_subreddit(ctx))
    order = ctx.path_params.get("order", "hot")
    if order not in LISTING_ORDERS:
        raise NotFound("Not Found")
    if order == "new":
        ranked = posts[::-1]
    elif order == "hot":
        ranked = sorted(posts, key=lambda i: (-_hot_score(data, i), -i))
    elif order == "rising":
        newest = data.created(data.count - 1)
        recent = [i for i in posts if data.created(i) > newest - 86_400]
        ranked = sorted(recent, key=lambda i: (-data.scores[i] / (newest - data.created(i) + 3600), -i))
    else:
        span_name = ctx.params.get("t", "day")
        if span_name not in TOP_SPANS:
            raise BadParameter(f"t must be one of {', '.join(TOP_SPANS)}")
        span = TOP_SPANS[span_name]
        newest = data.created(data.count - 1)
        chosen = posts if span is None else [i for i in posts if data.created(i) > newest - span]
        ranked = sorted(chosen, key=lambda i: (-data.scores[i], -i))
    return ranked[:LISTING_CAP]


def user_order(ctx: RequestContext) -> list[int]:
    data: RedditData = ctx.data
    author = data.author_index(ctx.path_params["username"])
    if author is None:
        raise NotFound("Not Found")
    return data.author_posts(author)[::-1][:LISTING_CAP]


def _listing_body(children: list[bytes], after: str | None, before: str | None) -> bytes:
    return (b'{"kind":"Listing","data":{"after":' + encode_json(after) + b',"dist":'
            + str(len(children)).encode() + b',"modhash":"","geo_filter":"","children":['
            + b",".join(children) + b'],"before":' + encode_json(before) + b"}}")


def _post_listing(ctx: RequestContext, ranked: list[int]) -> ApiResponse:
    data: RedditData = ctx.data
    limit = _limit(ctx)
    after, before = ctx.params.get("after"), ctx.params.get("before")
    if after:
        position = _position(data, ranked, after)
        start, stop = (position + 1, position + 1 + limit) if position is not None else (0, 0)
    elif before:
        position = _position(data, ranked, before)
        start, stop = (max(0, position - limit), position) if position is not None else (0, 0)
    else:
        start, stop = 0, limit
    page = ranked[start:stop]
    next_after = data.post_fullname(page[-1]) if page and stop < len(ranked) else None
    if next_after is not None and ctx.repeat_cursor and after:
        next_after = after
    previous = data.post_fullname(page[0]) if page and start > 0 else None
    return ApiResponse.raw_json(_listing_body([data.post_thing(i) for i in page], next_after, previous))


def _position(data: RedditData, ranked: list[int], fullname: str) -> int | None:
    index = data.post_index(fullname)
    if index is None:
        return None
    try:
        return ranked.index(index)
    except ValueError:
        return None


def subreddit_listing(ctx: RequestContext) -> ApiResponse:
    return _post_listing(ctx, subreddit_order(ctx))


def user_submitted(ctx: RequestContext) -> ApiResponse:
    return _post_listing(ctx, user_order(ctx))


def _sorted_children(data: RedditData, post: int, kids: list[int], sort: str) -> list[int]:
    start = data.comment_starts[post]
    if sort == "new":
        return sorted(kids, reverse=True)
    if sort == "old":
        return list(kids)
    return sorted(kids, key=lambda k: (-data.comment_score(start + k), k))


def _more_stub(data: RedditData, post: int, kids: list[int], parent_name: str, depth: int) -> dict:
    start = data.comment_starts[post]
    ids = [data.comment_id(start + k) for k in kids]
    return {"kind": "more", "data": {
        "count": sum(data.subtree_size(post, k) for k in kids), "name": "t1_" + ids[0], "id": ids[0],
        "parent_id": parent_name, "depth": depth, "children": ids}}


def _render(data: RedditData, post: int, kids: list[int], parent_name: str, level: int,
            budget: list[int], max_depth: int, sort: str) -> list[dict]:
    tree = data.tree(post)
    things = []
    ordered = _sorted_children(data, post, kids, sort)
    if ordered and level >= max_depth:
        return [_more_stub(data, post, ordered, parent_name, level)]
    for position, k in enumerate(ordered):
        if budget[0] <= 0:
            things.append(_more_stub(data, post, ordered[position:], parent_name, level))
            break
        budget[0] -= 1
        name = "t1_" + data.comment_id(data.comment_starts[post] + k)
        replies = _render(data, post, tree["children"][k], name, level + 1, budget, max_depth, sort)
        listing = {"kind": "Listing", "data": {"after": None, "dist": None, "modhash": "", "geo_filter": "",
                                                "children": replies, "before": None}} if replies else ""
        things.append({"kind": "t1", "data": data.comment_json(post, k, listing)})
    return things


def _post(ctx: RequestContext) -> int:
    post = ctx.data.post_index(ctx.path_params["post_id"])
    if post is None:
        raise NotFound("Not Found")
    return post


def comment_tree(ctx: RequestContext) -> ApiResponse:
    data: RedditData = ctx.data
    post = _post(ctx)
    limit = max(1, min(int_param(ctx.params, "limit", 200), 500))
    depth = max(1, min(int_param(ctx.params, "depth", 10), 10))
    sort = ctx.params.get("sort", "confidence")
    if sort not in COMMENT_SORTS:
        raise BadParameter(f"sort must be one of {', '.join(COMMENT_SORTS)}")
    comments = _render(data, post, data.tree(post)["top"], data.post_fullname(post), 0, [limit], depth, sort)
    post_listing = _listing_body([data.post_thing(post)], None, None)
    comment_listing = encode_json({"kind": "Listing", "data": {"after": None, "dist": None, "modhash": "",
                                                               "geo_filter": "", "children": comments,
                                                               "before": None}})
    return ApiResponse.raw_json(b"[" + post_listing + b"," + comment_listing + b"]")


def morechildren(ctx: RequestContext) -> ApiResponse:
    data: RedditData = ctx.data
    link_id = ctx.params.get("link_id")
    if not link_id:
        raise BadParameter("link_id is required")
    post = data.post_index(link_id)
    if post is None or not link_id.startswith("t3_"):
        raise BadParameter(f"link_id {link_id!r} is not a post's fullname")
    wanted = [c.strip() for c in ctx.params.get("children", "").split(",") if c.strip()]
    if not wanted:
        raise BadParameter("children is required")
    if len(wanted) > MORECHILDREN_MAX:
        raise BadParameter(f"at most {MORECHILDREN_MAX} children a call")
    tree = data.tree(post)
    start = data.comment_starts[post]
    things = []
    for comment_id in wanted:
        ordinal = data.comment_ordinal(comment_id)
        if ordinal is None or not start <= ordinal < start + data.comment_counts[post]:
            continue
        k = ordinal - start
        things.append({"kind": "t1", "data": data.comment_json(post, k, "")})
        kids = tree["children"][k]
        if kids:
            things.append(_more_stub(data, post, _sorted_children(data, post, kids, ctx.params.get("sort", "")),
                                     "t1_" + comment_id, tree["depths"][k] + 1))
    return ApiResponse.json({"json": {"errors": [], "data": {"things": things}}})


def listing_truth(ctx: RequestContext) -> list[str]:
    order = user_order(ctx) if "username" in ctx.path_params else subreddit_order(ctx)
    return [ctx.data.post_fullname(i) for i in order]


def tree_truth(ctx: RequestContext) -> list[str]:
    """Every comment of the post, as fullnames in the order they were written."""
    data: RedditData = ctx.data
    post = _post(ctx)
    start = data.comment_starts[post]
    return ["t1_" + data.comment_id(start + k) for k in range(data.comment_counts[post])]


SPEC = ApiSpec(
    name="reddit",
    prefix="/reddit",
    routes=(
        RouteSpec("/r/{subreddit}/{order:str}", subreddit_listing, True, listing_truth),
        RouteSpec("/r/{subreddit}", subreddit_listing, True, listing_truth),
        RouteSpec("/comments/{post_id}", comment_tree, truth=tree_truth),
        RouteSpec("/comments/{post_id}/{rest:path}", comment_tree, truth=tree_truth),
        RouteSpec("/api/morechildren", morechildren),
        RouteSpec("/user/{username}/submitted", user_submitted, True, listing_truth),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    requires_token=True,
    static_headers={"cache-control": "private, s-maxage=0, max-age=0, must-revalidate",
                    "x-content-type-options": "nosniff", "vary": "accept-encoding"},
    cursor_params=("after",),
)
