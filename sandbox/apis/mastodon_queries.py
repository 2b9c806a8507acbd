"""Mastodon routes beyond the public timelines: home and list timelines (a token's own),
followers and following, who favourited or boosted a status, and search v2."""

from __future__ import annotations

from sandbox.apis.mastodon_pages import (
    DEFAULT_LIMIT, MAX_LIMIT, account_position, page_of_accounts, page_of_entries, status_position,
)
from sandbox.data.mastodon import TAGS, MastodonData
from sandbox.data.mastodon_search import matching_accounts, matching_statuses, matching_tags, tag_json
from sandbox.paging import bool_param, clamped_limit, int_param
from sandbox.pipeline import RequestContext
from sandbox.responses import ApiResponse, BadParameter, NotFound, RawAnswer, encode_json, join_json_array

INVALID_TOKEN = "The access token is invalid"
SEARCH_TYPES = ("accounts", "statuses", "hashtags")


def _unauthorized(message: str = INVALID_TOKEN) -> RawAnswer:
    """Doorkeeper's answer to a request without a valid token."""
    challenge = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{message}"'
    return RawAnswer(ApiResponse.json({"error": message}, 401, {"www-authenticate": challenge}))


def _owner(ctx: RequestContext) -> int:
    if ctx.credential is None:
        raise _unauthorized()
    return ctx.data.graph().owner_of(ctx.credential)


def _list_key(ctx: RequestContext, owner: int | None) -> tuple:
    list_id = ctx.path_params["list_id"]
    list_owner = ctx.data.graph().list_owner(list_id)
    if list_owner is None or (owner is not None and list_owner != owner):
        raise NotFound("Record not found")
    return ("list", int(list_id))


def home_timeline(ctx: RequestContext) -> ApiResponse:
    return page_of_entries(ctx, ("home", _owner(ctx)), "/api/v1/timelines/home", ("limit", "local"))


def list_timeline(ctx: RequestContext) -> ApiResponse:
    key = _list_key(ctx, _owner(ctx))
    return page_of_entries(ctx, key, f"/api/v1/timelines/list/{key[1]}", ("limit",))


def lists(ctx: RequestContext) -> ApiResponse:
    graph = ctx.data.graph()
    return ApiResponse.json([graph.list_json(i) for i in graph.lists_of(_owner(ctx))])


def verify_credentials(ctx: RequestContext) -> ApiResponse:
    account = ctx.data.account_json(_owner(ctx))
    source = {"privacy": "public", "sensitive": False, "language": "", "note": "", "fields": [],
              "follow_requests_count": 0}
    return ApiResponse.json({**account, "source": source})


def followers(ctx: RequestContext) -> ApiResponse:
    account_id = ctx.path_params["account_id"]
    return page_of_accounts(ctx, ctx.data.graph().followers[account_position(ctx)],
                            f"/api/v1/accounts/{account_id}/followers")


def following(ctx: RequestContext) -> ApiResponse:
    account_id = ctx.path_params["account_id"]
    return page_of_accounts(ctx, ctx.data.graph().following[account_position(ctx)],
                            f"/api/v1/accounts/{account_id}/following")


def favourited_by(ctx: RequestContext) -> ApiResponse:
    status_id = ctx.path_params["status_id"]
    return page_of_accounts(ctx, ctx.data.graph().favourites(status_position(ctx)),
                            f"/api/v1/statuses/{status_id}/favourited_by")


def reblogged_by(ctx: RequestContext) -> ApiResponse:
    status_id = ctx.path_params["status_id"]
    return page_of_accounts(ctx, ctx.data.graph().boosters(status_position(ctx)),
                            f"/api/v1/statuses/{status_id}/reblogged_by")


def _search_results(ctx: RequestContext, authenticated: bool) -> dict[str, list[int]]:
    """Every match of each type asked for; statuses are found for a signed-in user only."""
    data: MastodonData = ctx.data
    query = ctx.params.get("q", "")
    if not query.strip():
        raise BadParameter("param is missing or the value is empty: q")
    wanted = ctx.params.get("type") or None
    if wanted is not None and wanted not in SEARCH_TYPES:
        return {kind: [] for kind in SEARCH_TYPES}
    finders = {"accounts": matching_accounts, "statuses": matching_statuses, "hashtags": matching_tags}
    return {kind: (finders[kind](data, query) if wanted in (None, kind)
                   and (kind != "statuses" or authenticated) else [])
            for kind in SEARCH_TYPES}


def search(ctx: RequestContext) -> ApiResponse:
    if ctx.credential is None:
        if ctx.params.get("offset"):
            raise _unauthorized("Search queries pagination is not supported without authentication")
        if bool_param(ctx.params, "resolve"):
            raise _unauthorized("Search queries that resolve remote resources are not supported "
                                "without authentication")
    data: MastodonData = ctx.data
    limit = clamped_limit(ctx.params, DEFAULT_LIMIT, MAX_LIMIT)
    offset = max(0, int_param(ctx.params, "offset", 0))
    found = {kind: items[offset:offset + limit]
             for kind, items in _search_results(ctx, ctx.authenticated).items()}
    authed = ctx.authenticated
    body = (b'{"accounts":' + join_json_array([encode_json(data.account_json(a)) for a in found["accounts"]])
            + b',"statuses":' + join_json_array([data.status_bytes(i, authed) for i in found["statuses"]])
            + b',"hashtags":' + join_json_array([encode_json(tag_json(data, t, authed)) for t in found["hashtags"]])
            + b',"collections":[]}')
    return ApiResponse.raw_json(body)


def list_truth(ctx: RequestContext) -> list[str]:
    """Every status id a complete walk of a list timeline yields, newest first."""
    return [str(i) for i in reversed(ctx.data.listing(_list_key(ctx, None))[1])]


def home_truth(ctx: RequestContext) -> list[str]:
    """The same for a home timeline, whose owner the path names as `account_id=`."""
    owner = ctx.data.account_index(ctx.params.get("account_id", ""))
    if owner is None:
        raise BadParameter("the truth of a home timeline needs its owner: add account_id=<id> to the path")
    return [str(i) for i in reversed(ctx.data.listing(("home", owner))[1])]


def search_truth(ctx: RequestContext) -> list[str]:
    """Search results type by type: account ids, status ids (as a signed-in user finds them),
    hashtag names."""
    data: MastodonData = ctx.data
    found = _search_results(ctx, True)
    return ([data.account_id(a) for a in found["accounts"]] + [str(data.ids[i]) for i in found["statuses"]]
            + [TAGS[t] for t in found["hashtags"]])


def followers_truth(ctx: RequestContext) -> list[str]:
    return _account_ids(ctx, ctx.data.graph().followers[account_position(ctx)])


def following_truth(ctx: RequestContext) -> list[str]:
    return _account_ids(ctx, ctx.data.graph().following[account_position(ctx)])


def favourited_by_truth(ctx: RequestContext) -> list[str]:
    return _account_ids(ctx, ctx.data.graph().favourites(status_position(ctx)))


def reblogged_by_truth(ctx: RequestContext) -> list[str]:
    return _account_ids(ctx, ctx.data.graph().boosters(status_position(ctx)))


def _account_ids(ctx: RequestContext, pairs: list[tuple[int, int]]) -> list[str]:
    return [ctx.data.account_id(account) for _, account in reversed(pairs)]
