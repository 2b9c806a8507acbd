"""Hacker News' Firebase API under /hn (https://hacker-news.firebaseio.com stands here)."""

from __future__ import annotations

from sandbox.data.hn import HackerNewsData
from sandbox.limits import WindowState
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec
from sandbox.responses import ApiResponse, BadParameter, NotFound

LISTS = {"topstories": "top", "newstories": "new", "beststories": "best", "askstories": "ask",
         "showstories": "show", "jobstories": "job"}
NULL = b"null"


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"error": message}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {}


def no_token(request) -> None:
    return None


def _firebase_query(ctx: RequestContext, values: list[int]):
    """Firebase's orderBy/limitToFirst/limitToLast on a list: an object keyed by position."""
    params = ctx.params
    first, last = params.get("limitToFirst"), params.get("limitToLast")
    if first is None and last is None and "orderBy" not in params:
        return values
    if params.get("orderBy") is None:
        raise BadParameter("orderBy must be defined when other query parameters are defined")
    if params.get("orderBy") != '"$key"':
        raise BadParameter("Index not defined, add \".indexOn\": \"" + params["orderBy"].strip('"') +
                           "\", for path \"/v0\", to the rules")
    positions = list(range(len(values)))
    for name, raw in (("limitToFirst", first), ("limitToLast", last)):
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise BadParameter(f"{name} must be a positive integer")
        positions = positions[:int(raw)] if name == "limitToFirst" else positions[-int(raw):]
    return {str(p): values[p] for p in positions}


def story_list(ctx: RequestContext) -> ApiResponse:
    name = LISTS.get(ctx.path_params["name"])
    if name is None:
        raise NotFound("Not Found")
    return ApiResponse.json(_firebase_query(ctx, ctx.data.story_list(name)))


def item(ctx: RequestContext) -> ApiResponse:
    raw = ctx.path_params["item_id"]
    if not raw.isdigit():
        return ApiResponse.raw_json(NULL)
    data: HackerNewsData = ctx.data
    item_id = int(raw)
    if data.locate(item_id) is None:
        return ApiResponse.raw_json(NULL)
    return ApiResponse.raw_json(data.item_bytes(item_id))


def user(ctx: RequestContext) -> ApiResponse:
    data: HackerNewsData = ctx.data
    index = data.user_index(ctx.path_params["username"])
    if index is None:
        return ApiResponse.raw_json(NULL)
    return ApiResponse.json(data.user_json(index))


def max_item(ctx: RequestContext) -> ApiResponse:
    return ApiResponse.raw_json(str(ctx.data.max_item).encode())


def updates(ctx: RequestContext) -> ApiResponse:
    data: HackerNewsData = ctx.data
    items = list(range(data.max_item, max(data.max_item - 30, 0), -1))
    profiles = sorted({data.username(data.author(i)) for i in items})
    return ApiResponse.json({"items": items, "profiles": profiles})


def list_truth(ctx: RequestContext) -> list[str]:
    name = LISTS.get(ctx.path_params["name"])
    if name is None:
        raise NotFound("Not Found")
    return [str(i) for i in ctx.data.story_list(name)]


def submissions_truth(ctx: RequestContext) -> list[str]:
    """The ids a user submitted, newest first, as their profile lists them."""
    data: HackerNewsData = ctx.data
    index = data.user_index(ctx.path_params["username"])
    if index is None:
        raise NotFound("Not Found")
    return [str(i) for i in data.user_submissions(index)]


def thread_truth(ctx: RequestContext) -> list[str]:
    """Every item reached from a story through `kids`, the story first."""
    data: HackerNewsData = ctx.data
    raw = ctx.path_params["item_id"]
    where = data.locate(int(raw)) if raw.isdigit() else None
    if where is None or where[1] >= 0:
        raise NotFound("Not Found")
    story = where[0]
    return [str(i) for i in range(data.starts[story], data.starts[story + 1])]


SPEC = ApiSpec(
    name="hn",
    prefix="/hn",
    routes=(
        RouteSpec("/v0/item/{item_id}.json", item, truth=thread_truth),
        RouteSpec("/v0/user/{username}.json", user, truth=submissions_truth),
        RouteSpec("/v0/maxitem.json", max_item),
        RouteSpec("/v0/updates.json", updates),
        RouteSpec("/v0/{name}.json", story_list, truth=list_truth),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=no_token,
    static_headers={"cache-control": "no-cache", "access-control-allow-origin": "*",
                    "strict-transport-security": "max-age=31556926; includeSubDomains; preload"},
)
