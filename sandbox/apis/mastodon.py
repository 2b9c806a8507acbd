"""Mastodon REST API under /mastodon (https://mastodon.social stands here)."""

from __future__ import annotations

from sandbox.apis import mastodon_queries as queries
from sandbox.apis.mastodon_pages import account_position, page_of_entries, status_position, tag_index
from sandbox.data.mastodon import MastodonData
from sandbox.limits import WindowState
from sandbox.paging import bool_param
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiResponse, BadParameter, NotFound, encode_json, join_json_array
from sandbox.timefmt import iso_micros

PUBLIC_PARAMS = ("limit", "local", "only_media", "remote")
TAG_PARAMS = ("limit", "local", "only_media")
ACCOUNT_PARAMS = ("exclude_reblogs", "exclude_replies", "limit", "only_media", "pinned", "tagged")


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"error": message}


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-limit": str(state.limit), "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-reset": iso_micros(state.reset_at)}


def _timeline_key(ctx: RequestContext) -> tuple:
    tag = None
    hashtag = ctx.path_params.get("hashtag")
    if hashtag is not None:
        tag = tag_index(hashtag)
    return ("timeline", tag, bool_param(ctx.params, "local"), bool_param(ctx.params, "remote"),
            bool_param(ctx.params, "only_media"))


def _account_key(ctx: RequestContext) -> tuple:
    account = account_position(ctx)
    tagged = ctx.params.get("tagged")
    return ("account", account, bool_param(ctx.params, "exclude_replies"),
            bool_param(ctx.params, "only_media"), bool_param(ctx.params, "exclude_reblogs"),
            bool_param(ctx.params, "pinned"), tag_index(tagged.lstrip("#")) if tagged else None)


def public_timeline(ctx: RequestContext) -> ApiResponse:
    return page_of_entries(ctx, _timeline_key(ctx), "/api/v1/timelines/public", PUBLIC_PARAMS)


def tag_timeline(ctx: RequestContext) -> ApiResponse:
    return page_of_entries(ctx, _timeline_key(ctx), f"/api/v1/timelines/tag/{ctx.path_params['hashtag']}",
                           TAG_PARAMS)


def account_statuses(ctx: RequestContext) -> ApiResponse:
    return page_of_entries(ctx, _account_key(ctx), f"/api/v1/accounts/{ctx.path_params['account_id']}/statuses",
                           ACCOUNT_PARAMS, next_only_when_full=True)


def status(ctx: RequestContext) -> ApiResponse:
    return ApiResponse.raw_json(ctx.data.status_bytes(status_position(ctx), ctx.authenticated))


def status_context(ctx: RequestContext) -> ApiResponse:
    data: MastodonData = ctx.data
    position = status_position(ctx)
    descendants = _descendants(data, position)
    authed = ctx.authenticated
    body = (b'{"ancestors":' + join_json_array([data.status_bytes(i, authed) for i in ancestors(data, position)])
            + b',"descendants":' + join_json_array([data.status_bytes(i, authed) for i in descendants]) + b"}")
    return ApiResponse.raw_json(body)


def ancestors(data: MastodonData, position: int) -> list[int]:
    """The statuses a status replies to, the thread's first one first."""
    found = []
    parent = data.parents[position]
    while parent >= 0:
        found.append(parent)
        parent = data.parents[parent]
    return found[::-1]


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
    return ApiResponse.raw_json(encode_json(ctx.data.account_json(account_position(ctx))))


def truth(ctx: RequestContext) -> list[str]:
    """Every status id a complete walk of the timeline or context yields, in order."""
    data: MastodonData = ctx.data
    if "status_id" in ctx.path_params:
        position = status_position(ctx)
        return [str(data.ids[i]) for i in ancestors(data, position) + _descendants(data, position)]
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
        RouteSpec("/api/v1/timelines/home", queries.home_timeline, True, queries.home_truth),
        RouteSpec("/api/v1/timelines/list/{list_id}", queries.list_timeline, True, queries.list_truth),
        RouteSpec("/api/v1/lists", queries.lists),
        RouteSpec("/api/v1/accounts/lookup", account_lookup),
        RouteSpec("/api/v1/accounts/verify_credentials", queries.verify_credentials),
        RouteSpec("/api/v1/accounts/{account_id}/statuses", account_statuses, True, truth),
        RouteSpec("/api/v1/accounts/{account_id}/followers", queries.followers, True, queries.followers_truth),
        RouteSpec("/api/v1/accounts/{account_id}/following", queries.following, True, queries.following_truth),
        RouteSpec("/api/v1/accounts/{account_id}", account),
        RouteSpec("/api/v1/statuses/{status_id}/context", status_context, truth=truth),
        RouteSpec("/api/v1/statuses/{status_id}/favourited_by", queries.favourited_by, True,
                  queries.favourited_by_truth),
        RouteSpec("/api/v1/statuses/{status_id}/reblogged_by", queries.reblogged_by, True,
                  queries.reblogged_by_truth),
        RouteSpec("/api/v1/statuses/{status_id}", status),
        RouteSpec("/api/v2/search", queries.search, truth=queries.search_truth),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    static_headers={"cache-control": "private, no-store", "vary": "Authorization, Origin",
                    "x-content-type-options": "nosniff"},
    cursor_params=("max_id",),
)
