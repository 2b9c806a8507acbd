"""Which Mastodon query one pull runs, the rules between its parameters, and the queries that
are not timelines: search v2 (offset paging), a status's thread, and lists of accounts
(followers, following, favourited_by, reblogged_by), which page through Link rel="next" by the
ids of follows, favourites and boosts, never by account ids.

A pull runs exactly one query: a timeline (``timeline=`` public, home or list; ``tag=``;
``account=`` with ``relation`` statuses), ``account=`` with ``relation`` followers or following,
``search=``, or ``status=`` with ``relation`` context, favourited_by or reblogged_by.
"""

from __future__ import annotations

from typing import Any

from ingest.errors import MalformedResponseError, ParameterError
from ingest.connectors.base import Page, Request, Response
from ingest.connectors.listing import (
    TimeBounds, following_page, kept_items, limit_reached, page_size,
)
from ingest.connectors.mastodon_records import (
    STATUSES, account_record, account_records, status_record, tag_record, with_ids,
)
from ingest.connectors.paginators import LinkCursorPaginator
from ingest.connectors.validation import Param

GROUP = "api"
LARGEST_ACCOUNTS_PAGE = 80
LARGEST_SEARCH_PAGE = 40
TIMELINES = ("public", "home", "list")
ACCOUNT_RELATIONS = ("statuses", "followers", "following")
STATUS_RELATIONS = ("context", "favourited_by", "reblogged_by")
SEARCH_TYPES = ("accounts", "statuses", "hashtags")
ID_BOUNDS = ("max_id", "since_id", "min_id")
ACCOUNT_FILTERS = ("exclude_replies", "exclude_reblogs", "pinned", "tagged")

QUERY_PARAMS = (
    Param("timeline", str, None, "public (the default), home or list; home and list need credential",
          choices=TIMELINES),
    Param("list_id", str, None, "the list whose timeline to read (timeline='list')"),
    Param("exclude_replies", bool, False, "account statuses: leave out replies"),
    Param("exclude_reblogs", bool, False, "account statuses: leave out boosts"),
    Param("pinned", bool, False, "account statuses: only the pinned ones"),
    Param("tagged", str, None, "account statuses: only those with this hashtag, without '#'"),
    Param("max_id", str, None, "timelines: only statuses with a lower id"),
    Param("since_id", str, None, "timelines: only statuses with a higher id, newest first"),
    Param("min_id", str, None, "timelines: only statuses with a higher id, oldest first"),
    Param("search", str, None, "search v2 query (needs credential)"),
    Param("search_type", str, None, "search only accounts, statuses or hashtags (default: all three)",
          choices=SEARCH_TYPES),
    Param("status", str, None, "a status id: its thread, or who favourited or boosted it (relation)"),
    Param("relation", str, None, "with account: statuses (default), followers, following; with status: "
          "context (default), favourited_by, reblogged_by", choices=ACCOUNT_RELATIONS + STATUS_RELATIONS),
)


def query_kind(spec: dict) -> str:
    """timeline, search, status or accounts (a list of accounts: followers and the like)."""
    if spec.get("search") is not None:
        return "search"
    if spec.get("status") is not None:
        return "status" if spec["relation"] == "context" else "accounts"
    if spec.get("account") and spec.get("relation") in ("followers", "following"):
        return "accounts"
    return "timeline"


def check_query(spec: dict) -> None:
    """Normalise the query's parameters and refuse combinations with no meaning, naming the fix."""
    if spec["tagged"] is not None:
        spec["tagged"] = spec["tagged"].lstrip("#")
    if spec["list_id"] is not None and spec["timeline"] is None:
        spec["timeline"] = "list"
    given = [f"{name}=" for name in ("timeline", "tag", "account", "search", "status") if spec.get(name)]
    if len(given) > 1:
        _refuse(f"pass one of timeline=, tag=, account=, search=, status= (one query per pull), "
                f"not {' and '.join(given)}.")
    if (spec["timeline"] == "list") != (spec["list_id"] is not None):
        _refuse("timeline='list' reads the list named by list_id=: pass both, or neither.")
    _check_credential(spec)
    _check_relation(spec)
    kind = query_kind(spec)
    if spec["search_type"] is not None and kind != "search":
        _refuse("search_type applies to search=; drop it or pass search='<query>'.")
    for name in ("local", "remote"):
        if spec[name] and spec["timeline"] in ("home", "list"):
            _refuse(f"{name} applies to the public timeline only; drop it for timeline={spec['timeline']!r}.")
    _check_timeline_only(spec, kind)
    statuses_of_account = bool(spec["account"]) and spec["relation"] in (None, "statuses")
    for name in ACCOUNT_FILTERS:
        if spec[name] and not statuses_of_account:
            _refuse(f"{name} filters an account's statuses; pass account='<id or user@instance>' "
                    f"or drop {name}.")
    if spec["only_media"] and (kind != "timeline" or spec["timeline"] in ("home", "list")):
        _refuse("only_media applies to the public, tag and account timelines; drop it.")
    for name in ID_BOUNDS:
        if spec[name] is not None and not spec[name].isdigit():
            _refuse(f"{name}={spec[name]!r} is not a status id; pass the decimal id, e.g. '113191408914362368'.")
    if spec["since_id"] is not None and spec["min_id"] is not None:
        _refuse("since_id reads newest first and min_id oldest first: pass one of them.")
    if spec["incremental"] and any(spec[name] is not None for name in ID_BOUNDS):
        _refuse("incremental resumes from its own min_id; drop max_id/since_id/min_id or incremental.")


def _check_credential(spec: dict) -> None:
    if spec.get("credential"):
        return
    if spec["timeline"] in ("home", "list"):
        _refuse(f"timeline={spec['timeline']!r} is the timeline of a token's own account: pass "
                "credential='<name of a Mastodon access token>'.")
    if spec["search"] is not None:
        _refuse("search pages only for a signed-in user (and finds statuses only then): pass "
                "credential='<name of a Mastodon access token>'.")


def _check_relation(spec: dict) -> None:
    relation = spec["relation"]
    if spec["status"] is not None:
        if relation is None:
            spec["relation"] = "context"
        elif relation not in STATUS_RELATIONS:
            _refuse(f"relation={relation!r} is not a relation of a status; use one of "
                    f"{', '.join(map(repr, STATUS_RELATIONS))}.")
    elif spec["account"]:
        if relation is not None and relation not in ACCOUNT_RELATIONS:
            _refuse(f"relation={relation!r} is not a relation of an account; use one of "
                    f"{', '.join(map(repr, ACCOUNT_RELATIONS))}, or status='<id>' for {relation!r}.")
    elif relation is not None:
        _refuse("relation needs the account= or status= it relates to.")


def _check_timeline_only(spec: dict, kind: str) -> None:
    """Options that shape a timeline of statuses mean nothing for the other queries."""
    if kind == "timeline":
        return
    what = {"search": "search", "status": "a status's thread", "accounts": "a list of accounts"}[kind]
    options = [name for name in ("incremental", "with_context") + ID_BOUNDS if spec[name]]
    options += [name for name in ("since", "until") if spec[name] is not None]
    if kind == "accounts" and spec["with_accounts"]:
        options.append("with_accounts")
    if options:
        _refuse(f"{', '.join(options)} apply to timelines, not to {what}; drop them.")


def _refuse(message: str) -> None:
    raise ParameterError(f"mastodon: {message}")


def query_name(spec: dict) -> str | None:
    """The query's part of the watermark key, or None for the timelines that had keys before."""
    kind = query_kind(spec)
    if kind == "search":
        return f"search:{spec['search_type'] or 'all'}:{spec['search']}"
    if spec["status"] is not None:
        return f"status:{spec['status']}:{spec['relation']}"
    if kind == "accounts":
        return f"account:{spec['account']}:{spec['relation']}"
    if spec["timeline"] == "home":
        return "home"
    if spec["timeline"] == "list":
        return f"list:{spec['list_id']}"
    return None


def start_requests(spec: dict) -> list[Request]:
    """The root requests of a search or a status query."""
    base = spec["base_url"]
    if spec["search"] is not None:
        params: dict[str, Any] = {"q": spec["search"], "limit": page_size(spec, 0, LARGEST_SEARCH_PAGE)}
        if spec["search_type"]:
            params["type"] = spec["search_type"]
        return [Request("search", f"{base}/api/v2/search", params, group=GROUP, context={"emitted": 0})]
    status = f"{base}/api/v1/statuses/{spec['status']}"
    if spec["relation"] == "context":
        return [Request("status", status, {}, group=GROUP),
                Request("context", f"{status}/context", {}, group=GROUP, context={"status_id": spec["status"]})]
    return [accounts_request(f"{status}/{spec['relation']}", spec)]


def accounts_request(url: str, spec: dict, depth: int = 0) -> Request:
    return Request("accounts", url, {"limit": page_size(spec, 0, LARGEST_ACCOUNTS_PAGE)}, group=GROUP,
                   depth=depth, context={"emitted": 0})


def parse_accounts(request: Request, response: Response, spec: dict) -> Page:
    """A page of accounts; the next one is Link rel="next", sent only after a full page."""
    accounts = with_ids(response.json(), response, "accounts")
    kept, total = kept_items(spec, request, TimeBounds(None, None), accounts, lambda _: None)
    page = Page(records=[account_record(request.host, a) for a in kept])
    if accounts and not limit_reached(spec, total):
        page.next = following_page(LinkCursorPaginator("next", "max_id"), response, accounts, request, total,
                                   limit=page_size(spec, total, LARGEST_ACCOUNTS_PAGE))
    return page


def parse_search(request: Request, response: Response, spec: dict) -> Page:
    """Accounts, statuses and hashtags, each to its collection. Search sends no Link: the next
    page is the next offset while any type asked for came back full."""
    body = response.json()
    if not isinstance(body, dict):
        raise MalformedResponseError(f"{response.safe_url}: search results are not an object",
                                     status=response.status)
    accounts, statuses = _list(body, "accounts", response), _list(body, "statuses", response)
    hashtags = _list(body, "hashtags", response)
    host = request.host
    found = ([account_record(host, a) for a in with_ids(accounts, response, "accounts")]
             + [status_record(host, s) for s in with_ids(statuses, response, "statuses")]
             + [tag_record(host, t) for t in _named(hashtags, response)])
    kept, total = kept_items(spec, request, TimeBounds(None, None), found, lambda _: None)
    if spec["with_accounts"]:
        kept += account_records(host, [r.payload for r in kept if r.collection == STATUSES])
    page = Page(records=kept)
    asked = int(request.params.get("limit", LARGEST_SEARCH_PAGE))
    if max(len(accounts), len(statuses), len(hashtags)) >= asked and not limit_reached(spec, total):
        offset = int(request.params.get("offset", 0)) + asked
        page.next = request.next_page({**request.params, "offset": offset,
                                       "limit": page_size(spec, total, LARGEST_SEARCH_PAGE)}, emitted=total)
    return page


def parse_status(request: Request, response: Response, spec: dict) -> Page:
    body = response.json()
    if not isinstance(body, dict) or "id" not in body:
        raise MalformedResponseError(f"{response.safe_url}: status has no id", status=response.status)
    records = [status_record(request.host, body)]
    if spec["with_accounts"]:
        records += account_records(request.host, [body])
    return Page(records=records)


def _list(body: dict, name: str, response: Response) -> list:
    value = body.get(name, [])
    if not isinstance(value, list):
        raise MalformedResponseError(f"{response.safe_url}: {name} is not a list", status=response.status)
    return value


def _named(hashtags: list, response: Response) -> list[dict]:
    if not all(isinstance(tag, dict) and tag.get("name") for tag in hashtags):
        raise MalformedResponseError(f"{response.safe_url}: a hashtag has no name", status=response.status)
    return hashtags
