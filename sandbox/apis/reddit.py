"""Reddit's OAuth API under /reddit (https://oauth.reddit.com stands here): the Listings (in
``reddit_listings``), comment trees and morechildren."""

from __future__ import annotations

import math

from sandbox.apis.reddit_listings import (
    front_listing, front_order, listing_body, search_listing, search_order, subreddit_listing, subreddit_order,
    user_listing, user_order,
)
from sandbox.data.reddit import RedditData
from sandbox.limits import WindowState
from sandbox.paging import int_param
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import HTML_TYPE, ApiResponse, BadParameter, NotFound, RawAnswer, encode_json

MORECHILDREN_MAX = 100
BAD_REQUEST_PAGE = b"<html><body><h1>400 Bad request</h1>\nThe request could not be read.\n</body></html>\n"
COMMENT_SORTS = ("confidence", "top", "new", "controversial", "old", "random", "qa", "live", "best")


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"message": message, "error": status}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-used": str(state.used), "x-ratelimit-remaining": f"{float(state.remaining):.1f}",
            "x-ratelimit-reset": str(math.ceil(state.reset_in))}


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
    post_listing = listing_body([data.post_thing(post)], None, None)
    comment_listing = encode_json({"kind": "Listing", "data": {"after": None, "dist": None, "modhash": "",
                                                               "geo_filter": "", "children": comments,
                                                               "before": None}})
    return ApiResponse.raw_json(b"[" + post_listing + b"," + comment_listing + b"]")


def _bad_request() -> RawAnswer:
    """Reddit refuses a morechildren GET it cannot use with a bare HTML page, not its JSON error."""
    return RawAnswer(ApiResponse(400, BAD_REQUEST_PAGE, {"cache-control": "no-cache"}, HTML_TYPE))


def morechildren(ctx: RequestContext) -> ApiResponse:
    data: RedditData = ctx.data
    link_id = ctx.params.get("link_id") or ""
    post = data.post_index(link_id)
    wanted = [c.strip() for c in ctx.params.get("children", "").split(",") if c.strip()]
    if post is None or not link_id.startswith("t3_") or not wanted or len(wanted) > MORECHILDREN_MAX:
        raise _bad_request()
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
        RouteSpec("/", front_listing, True, front_order),
        RouteSpec("/search", search_listing, True, search_order),
        RouteSpec("/r/{subreddit}/search", search_listing, True, search_order),
        RouteSpec("/r/{subreddit}/{order:str}", subreddit_listing, True, subreddit_order),
        RouteSpec("/r/{subreddit}", subreddit_listing, True, subreddit_order),
        RouteSpec("/comments/{post_id}", comment_tree, truth=tree_truth),
        RouteSpec("/comments/{post_id}/{rest:path}", comment_tree, truth=tree_truth),
        RouteSpec("/api/morechildren", morechildren),
        RouteSpec("/user/{username}/{where:str}", user_listing, True, user_order),
        RouteSpec("/{order:str}", front_listing, True, front_order),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    requires_token=True,
    static_headers={"cache-control": "private, s-maxage=0, max-age=0, must-revalidate",
                    "x-content-type-options": "nosniff", "vary": "accept-encoding"},
    cursor_params=("after",),
)
