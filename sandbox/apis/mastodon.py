"""Mastodon REST API under /mastodon (https://mastodon.social stands here)."""

from __future__ import annotations

from sandbox.data.mastodon import TAGS, MastodonData
from sandbox.limits import WindowState
from sandbox.paging import bool_param, clamped_limit, id_window, int_param, link_header, url_with
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiResponse, BadParameter, NotFound, encode_json, join_json_array
from sandbox.timefmt import iso_micros

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
FILTER_PARAMS = ("local", "limit", "only_media")


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"error": message}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-limit": str(state.limit), "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-reset": iso_micros(state.reset_at)}


def _id_param(ctx: RequestContext, name: str) -> int | None:
    return int_param(ctx.params, name)


def _timeline_key(ctx: RequestContext) -> tuple:
    tag = None
    hashtag = ctx.path_params.get("hashtag")
    if hashtag is not None:
        name = hashtag.lower()
        tag = TAGS.index(name) if name in TAGS else -1
    return ("timeline", tag, bool_param(ctx.params, "local"), bool_param(ctx.params, "remote"),
            bool_param(ctx.params, "only_media"))


def _account_key(ctx: RequestContext) -> tuple:
    data: MastodonData = ctx.data
    account = data.account_index(ctx.path_params["account_id"])
    if account is None:
        raise NotFound("Record not found")
    return ("account", account, bool_param(ctx.params, "exclude_replies"),
            bool_param(ctx.params, "only_media"))


def _page(ctx: RequestContext, key: tuple, path: str) -> ApiResponse:
    data: MastodonData = ctx.data
    limit = clamped_limit(ctx.params, DEFAULT_LIMIT, MAX_LIMIT)
    max_id, since_id, min_id = (_id_param(ctx, n) for n in ("max_id", "since_id", "min_id"))
    if key[0] == "timeline" and key[1] == -1:
        positions, ids = [], []
    else:
        positions, ids = data.listing(key)
    window = id_window(ids, limit, max_id, since_id, min_id)
    body = join_json_array([data.status_bytes(positions[p], ctx.authenticated) for p in window])
    headers = {}
    if window:
        kept = [(name, ctx.params[name]) for name in FILTER_PARAMS if name in ctx.params]
        oldest = str(ids[window[-1]])
        if ctx.repeat_cursor and max_id is not None:
            oldest = str(max_id)
        newest = str(ids[window[0]])
        headers["link"] = link_header([
            (url_with(ctx.base_url, path, kept + [("max_id", oldest)]), "next"),
            (url_with(ctx.base_url, path, kept + [("min_id", newest)]), "prev"),
        ])
    return ApiResponse.raw_json(body, headers)


def public_timeline(ctx: RequestContext) -> ApiResponse:
    return _page(ctx, _timeline_key(ctx), "/api/v1/timelines/public")


def tag_timeline(ctx: RequestContext) -> ApiResponse:
    return _page(ctx, _timeline_key(ctx), f"/api/v1/timelines/tag/{ctx.path_params['hashtag']}")


def account_statuses(ctx: RequestContext) -> ApiResponse:
    return _page(ctx, _account_key(ctx), f"/api/v1/accounts/{ctx.path_params['account_id']}/statuses")


def _status_position(ctx: RequestContext) -> int:
    position = ctx.data.position_of(ctx.path_params["status_id"])
    if position is None:
        raise NotFound("Record not found")
    return position


def status(ctx: RequestContext) -> ApiResponse:
    return ApiResponse.raw_json(ctx.data.status_bytes(_status_position(ctx), ctx.authenticated))


def status_context(ctx: RequestContext) -> ApiResponse:
    data: MastodonData = ctx.data
    position = _status_position(ctx)
    ancestors = []
    parent = data.parents[position]
    while parent >= 0:
        ancestors.append(parent)
        parent = data.parents[parent]
    ancestors.reverse()
    descendants = _descendants(data, position)
    authed = ctx.authenticated
    body = (b'{"ancestors":' + join_json_array([data.status_bytes(i, authed) for i in ancestors])
            + b',"descendants":' + join_json_array([data.status_bytes(i, authed) for i in descendants]) + b"}")
    return ApiResponse.raw_json(body)


def _descendants(data: MastodonData, position: int) -> list[int]:
    children = data.children()
    found = []
    stack = list(reversed(children.get(position, [])))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(children.get(current, [])))
    return found


def account_lookup(ctx: RequestContext) -> ApiResponse:
    acct = ctx.params.get("acct")
    if not acct:
        raise BadParameter("param is missing or the value is empty: acct")
    account = ctx.data.account_by_acct(acct)
    if account is None:
        raise NotFound("Record not found")
    return ApiResponse.raw_json(encode_json(ctx.data.account_json(account)))


def account(ctx: RequestContext) -> ApiResponse:
    index = ctx.data.account_index(ctx.path_params["account_id"])
    if index is None:
        raise NotFound("Record not found")
    return ApiResponse.raw_json(encode_json(ctx.data.account_json(index)))


def truth(ctx: RequestContext) -> list[str]:
    """Every status id a complete walk of the timeline or context yields, in order."""
    data: MastodonData = ctx.data
    if "status_id" in ctx.path_params:
        return [str(data.ids[i]) for i in _descendants(data, _status_position(ctx))]
    key = _account_key(ctx) if "account_id" in ctx.path_params else _timeline_key(ctx)
    if key[0] == "timeline" and key[1] == -1:
        return []
    return [str(i) for i in reversed(data.listing(key)[1])]


SPEC = ApiSpec(
    name="mastodon",
    prefix="/mastodon",
    routes=(
        RouteSpec("/api/v1/timelines/public", public_timeline, True, truth),
        RouteSpec("/api/v1/timelines/tag/{hashtag}", tag_timeline, True, truth),
        RouteSpec("/api/v1/accounts/lookup", account_lookup),
        RouteSpec("/api/v1/accounts/{account_id}/statuses", account_statuses, True, truth),
        RouteSpec("/api/v1/accounts/{account_id}", account),
        RouteSpec("/api/v1/statuses/{status_id}/context", status_context, truth=truth),
        RouteSpec("/api/v1/statuses/{status_id}", status),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    static_headers={"cache-control": "private, no-store", "vary": "Authorization, Origin",
                    "x-content-type-options": "nosniff"},
    cursor_params=("max_id",),
)
