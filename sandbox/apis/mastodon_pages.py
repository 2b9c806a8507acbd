"""Mastodon's two ways of paging: statuses by their ids (Link next max_id, prev min_id) and
accounts by the ids of the records that tie them to the query (follows, favourites, boosts)."""

from __future__ import annotations

from sandbox.data.mastodon import TAGS, MastodonData
from sandbox.paging import clamped_limit, id_window, int_param, link_header, url_with
from sandbox.pipeline import RequestContext
from sandbox.responses import ApiResponse, NotFound, encode_json, join_json_array

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
DEFAULT_ACCOUNTS_LIMIT = 40
MAX_ACCOUNTS_LIMIT = 80


def tag_index(name: str) -> int:
    """The position of a hashtag in TAGS, -1 for one no status carries."""
    name = name.lower()
    return TAGS.index(name) if name in TAGS else -1


def status_position(ctx: RequestContext) -> int:
    return _found(ctx.data.position_of(ctx.path_params["status_id"]))


def account_position(ctx: RequestContext) -> int:
    return _found(ctx.data.account_index(ctx.path_params["account_id"]))


def _found(position: int | None) -> int:
    if position is None:
        raise NotFound("Record not found")
    return position


def page_of_entries(ctx: RequestContext, key: tuple, path: str, kept_params: tuple[str, ...],
                    next_only_when_full: bool = False) -> ApiResponse:
    """One page of a status timeline, newest first, with Mastodon's Link next (max_id) and prev
    (min_id); none on an empty page. Account statuses send next only after a full page."""
    data: MastodonData = ctx.data
    limit = clamped_limit(ctx.params, DEFAULT_LIMIT, MAX_LIMIT)
    max_id, since_id, min_id = (int_param(ctx.params, n) for n in ("max_id", "since_id", "min_id"))
    if key[0] == "timeline" and key[1] == -1:
        entries, ids = [], []
    else:
        entries, ids = data.listing(key)
    window = id_window(ids, limit, max_id, since_id, min_id)
    body = join_json_array([data.entry_bytes(entries[p], ctx.authenticated) for p in window])
    headers = {}
    if window:
        kept = [(name, ctx.params[name]) for name in kept_params if name in ctx.params]
        oldest = str(ids[window[-1]])
        if ctx.repeat_cursor and max_id is not None:
            oldest = str(max_id)
        newest = str(ids[window[0]])
        links = [(url_with(ctx.base_url, path, sorted(kept + [("min_id", newest)])), "prev")]
        if len(window) == limit or not next_only_when_full:
            links.insert(0, (url_with(ctx.base_url, path, sorted(kept + [("max_id", oldest)])), "next"))
        headers["link"] = link_header(links)
    return ApiResponse.raw_json(body, headers)


def page_of_accounts(ctx: RequestContext, pairs: list[tuple[int, int]], path: str) -> ApiResponse:
    """One page of accounts from (record id, account) pairs ascending, newest record first: Link
    next (max_id) after a full page only, prev (since_id) on any page with accounts."""
    data: MastodonData = ctx.data
    limit = clamped_limit(ctx.params, DEFAULT_ACCOUNTS_LIMIT, MAX_ACCOUNTS_LIMIT)
    ids = [record_id for record_id, _ in pairs]
    window = id_window(ids, limit, *(int_param(ctx.params, n) for n in ("max_id", "since_id", "min_id")))
    body = join_json_array([encode_json(data.account_json(pairs[p][1])) for p in window])
    headers = {}
    if window:
        kept = [("limit", ctx.params["limit"])] if "limit" in ctx.params else []
        links = [(url_with(ctx.base_url, path, sorted(kept + [("since_id", str(ids[window[0]]))])), "prev")]
        if len(window) == limit:
            links.insert(0, (url_with(ctx.base_url, path, sorted(kept + [("max_id", str(ids[window[-1]]))])), "next"))
        headers["link"] = link_header(links)
    return ApiResponse.raw_json(body, headers)
