"""Mastodon: timelines of one instance (public, hashtag, home, list, an account's statuses),
with replies and authors; and the queries of ``mastodon_queries``: search, a status's thread,
followers, following, and who favourited or boosted a status.

Ids are unique per instance only, so keys are "<host>:<id>". A first pull reads newest-first
(``max_id`` from the Link header's rel="next"). An incremental pull reads forward from the
watermark with ``min_id`` (the Link header's rel="prev"), oldest page first, so a pull cut
short by ``limit`` leaves no gap behind its watermark. Watermark: ``{"min_id": "<id>"}``.
A pull given ``min_id`` reads forward the same way; ``max_id`` and ``since_id`` bound a
newest-first read, and every page keeps them in its query.

Authors (``with_accounts``) are stored from the account object embedded in every status,
which is the same Account entity ``/api/v1/accounts/:id`` returns: no extra call.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from ingest.errors import FetchError, MalformedResponseError, ParameterError, PermanentError
from ingest.connectors.base import Collection, Connector, Page, Request, Response
from ingest.connectors.headers import parse_float, parse_retry_after, seconds_until_iso
from ingest.connectors.listing import (
    TimeBounds, bounded_listing_calls, common_params, following_page, kept_items, limit_reached, most_items,
    page_size,
)
from ingest.connectors.mastodon_queries import (
    GROUP, QUERY_PARAMS, accounts_request, check_query, parse_accounts, parse_search, parse_status,
    query_kind, query_name, start_requests,
)
from ingest.connectors.mastodon_records import (
    ACCOUNTS, STATUSES, TAGS, account_record, account_records, status_order, status_record, status_time,
    with_ids,
)
from ingest.connectors.paginators import LinkCursorPaginator
from ingest.connectors.registry import register
from ingest.connectors.validation import Param
from ingest.limits.types import KnownLimit, LimitReading

LARGEST_PAGE = 40
TIMELINE_FLAGS = ("local", "remote", "only_media", "exclude_replies", "exclude_reblogs", "pinned")


class MastodonConnector(Connector):
    name = "mastodon"
    queue = "ingest.mastodon"
    default_base_url = "https://mastodon.social"
    collections = (Collection(STATUSES), Collection(ACCOUNTS), Collection(TAGS))
    params = common_params(default_base_url, credential_help="name of an access token (optional)") + (
        Param("tag", str, None, "hashtag timeline, without '#'"),
        Param("account", str, None, "account timeline: a numeric id or 'user@instance'"),
        Param("local", bool, False, "public timeline: only this instance's statuses"),
        Param("remote", bool, False, "public timeline: only other instances' statuses"),
        Param("only_media", bool, False, "only statuses with media attachments"),
        Param("with_context", bool, False, "also fetch each status's ancestors and replies"),
        Param("with_accounts", bool, False, "also store each status's author account"),
    ) + QUERY_PARAMS

    def check_request(self, base_url: str) -> Request | None:
        return Request("check", f"{base_url.rstrip('/')}/api/v1/timelines/home", {"limit": 1})

    def check(self, spec: dict) -> None:
        if spec["tag"] is not None:
            spec["tag"] = spec["tag"].lstrip("#")
        if spec["tag"] and spec["account"]:
            raise ParameterError("mastodon: pass tag or account, not both (one timeline per pull).")
        if (spec["local"] or spec["remote"]) and (spec["tag"] or spec["account"]):
            raise ParameterError("mastodon: local and remote apply to the public timeline only; "
                                 "drop them or drop tag/account.")
        check_query(spec)

    def collections_for(self, spec: dict) -> tuple[Collection, ...]:
        by_name = {c.name: c for c in self.collections}
        kind = query_kind(spec)
        if kind == "accounts":
            return (by_name[ACCOUNTS],)
        if kind == "search":
            wanted = {"accounts": (ACCOUNTS,), "statuses": (STATUSES, ACCOUNTS), "hashtags": (TAGS,)}
            names = wanted.get(spec["search_type"], (STATUSES, ACCOUNTS, TAGS))
            return tuple(by_name[name] for name in names)
        return self.collections[:2]

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        named = query_name(spec)
        if named is not None:
            query = named
        elif spec["tag"]:
            query = f"tag:{spec['tag'].lower()}"
        elif spec["account"]:
            query = f"account:{spec['account']}"
        else:
            query = "public" + ":local" * spec["local"] + ":remote" * spec["remote"]
        filters = "".join(f":{name}" for name in ("exclude_replies", "exclude_reblogs", "pinned") if spec[name])
        filters += f":tagged={spec['tagged'].lower()}" if spec["tagged"] else ""
        bounds = "".join(f":{name}={spec[name]}" for name in ("max_id", "since_id", "min_id") if spec[name])
        return query + ":media" * spec["only_media"] + filters + bounds + f"@{host}"

    def watermark_order(self, watermark: dict) -> Any:
        return status_order(watermark["min_id"])

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        kind = query_kind(spec)
        if kind in ("search", "status") or (kind == "accounts" and spec["status"] is not None):
            return start_requests(spec)
        account = spec["account"]
        if account and not account.isdigit():
            resume = {"watermark": watermark} if spec["incremental"] and watermark else {}
            return [Request("account", f"{spec['base_url']}/api/v1/accounts/lookup",
                            {"acct": account.lstrip("@")}, group=GROUP, context=resume)]
        return [self._listing(spec, watermark, account_id=account)]

    def _listing(self, spec: dict, watermark: dict | None, account_id: str | None, depth: int = 0) -> Request:
        """The first page of the pull's listing: its timeline, or an account's followers or following."""
        base = spec["base_url"]
        if account_id and spec["relation"] in ("followers", "following"):
            return accounts_request(f"{base}/api/v1/accounts/{account_id}/{spec['relation']}", spec, depth)
        if account_id:
            url = f"{base}/api/v1/accounts/{account_id}/statuses"
        elif spec["tag"]:
            url = f"{base}/api/v1/timelines/tag/{quote(spec['tag'], safe='')}"
        elif spec["timeline"] == "home":
            url = f"{base}/api/v1/timelines/home"
        elif spec["timeline"] == "list":
            url = f"{base}/api/v1/timelines/list/{quote(spec['list_id'], safe='')}"
        else:
            url = f"{base}/api/v1/timelines/public"
        params: dict[str, Any] = {"limit": page_size(spec, 0, LARGEST_PAGE)}
        for flag in TIMELINE_FLAGS:
            if spec[flag]:
                params[flag] = "true"
        for name in ("tagged", "max_id", "since_id", "min_id"):
            if spec[name] is not None:
                params[name] = spec[name]
        context: dict[str, Any] = {"emitted": 0}
        if spec["min_id"] is not None:
            context["forward"] = True
        if spec["incremental"] and watermark:
            params["min_id"] = watermark["min_id"]
            context["forward"] = True
        return Request("timeline", url, params, group=GROUP, depth=depth, context=context)

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        if request.kind == "timeline":
            return self._parse_timeline(request, response, spec, with_ids(response.json(), response, "statuses"))
        if request.kind == "accounts":
            return parse_accounts(request, response, spec)
        if request.kind == "search":
            return parse_search(request, response, spec)
        if request.kind == "status":
            return parse_status(request, response, spec)
        body = response.json()
        if request.kind == "context":
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{response.safe_url}: context is not an object")
            statuses = with_ids(body.get("ancestors", []), response, "statuses") + with_ids(
                body.get("descendants", []), response, "statuses")
            records = [status_record(request.host, s) for s in statuses]
            if spec["with_accounts"]:
                records += account_records(request.host, statuses)
            return Page(records=records)
        if request.kind == "account":
            if not isinstance(body, dict) or "id" not in body:
                raise MalformedResponseError(f"{response.safe_url}: account has no id")
            child = self._listing(spec, request.context.get("watermark"), str(body["id"]),
                                  depth=request.depth + 1)
            return Page(records=[account_record(request.host, body)], children=[child])
        raise MalformedResponseError(f"mastodon cannot parse a {request.kind!r} request")

    def _parse_timeline(self, request: Request, response: Response, spec: dict,
                        statuses: list[dict]) -> Page:
        bounds = TimeBounds.of(spec)
        forward = bool(request.context.get("forward"))
        kept, total = kept_items(spec, request, bounds, statuses, status_time)
        records = [status_record(request.host, s) for s in kept]
        if spec["with_accounts"]:
            records += account_records(request.host, kept)
        children = self._context_requests(request, spec, kept) if spec["with_context"] else []
        watermark = {"min_id": max((s["id"] for s in kept), key=status_order)} if kept else None
        page = Page(records=records, children=children, watermark=watermark)
        times = [t for t in map(status_time, statuses) if t]
        if not statuses or limit_reached(spec, total):
            return page
        if forward and bounds.until is not None and times and max(times) > bounds.until:
            return page
        if not forward and bounds.passed(min(times, default=None)):
            return page
        paginator = LinkCursorPaginator("prev", "min_id") if forward else LinkCursorPaginator("next", "max_id")
        page.next = following_page(paginator, response, statuses, request, total,
                                   limit=page_size(spec, total, LARGEST_PAGE))
        return page

    def estimate_calls(self, spec: dict) -> int | None:
        """A timeline's pages (after the lookup of an account given by name), and with context
        one more call per status at most; other queries are not known before."""
        if query_kind(spec) != "timeline":
            return None
        pages = bounded_listing_calls(spec, LARGEST_PAGE)
        if pages is None:
            return None
        lookup = 1 if spec["account"] and not spec["account"].isdigit() else 0
        contexts = most_items(spec, pages, LARGEST_PAGE) if spec["with_context"] else 0
        return lookup + pages + contexts

    def listing_page(self, spec: dict) -> int | None:
        by_name = spec["account"] and not spec["account"].isdigit()  # the listing follows a lookup
        return LARGEST_PAGE if query_kind(spec) == "timeline" and not by_name else None

    def _context_requests(self, request: Request, spec: dict, statuses: list[dict]) -> list[Request]:
        wanted: dict[str, None] = {}
        for status in statuses:
            original = status.get("reblog") or status
            if original.get("replies_count") or original.get("in_reply_to_id"):
                wanted[str(original["id"])] = None
        return [Request("context", f"{spec['base_url']}/api/v1/statuses/{status_id}/context", {},
                        group=GROUP, depth=request.depth + 1, context={"status_id": status_id})
                for status_id in wanted]

    def classify(self, response: Response, now: float) -> FetchError | None:
        if response.status != 401:
            return super().classify(response, now)
        return PermanentError(
            f"HTTP 401 from {response.safe_url}: the instance refused the access token"
            f"{_server_reason(response)}. Pass credential='<name>' naming a valid access token of this "
            "instance with the read scope (home, list timelines and search need one), or renew the "
            "token stored under that name.", status=401)

    def read_limits(self, response: Response, now: float) -> LimitReading:
        """`X-RateLimit-Limit` per 5-minute window (its reset is an ISO time on a 5-minute mark)."""
        return LimitReading(
            limit=parse_float(response.header("X-RateLimit-Limit")),
            remaining=parse_float(response.header("X-RateLimit-Remaining")),
            reset_after=seconds_until_iso(response.header("X-RateLimit-Reset"), now),
            retry_after=parse_retry_after(response.header("Retry-After"), now),
            window=300.0,
        )

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        """300 calls per 5 minutes per account and, apart, per address, as documented and as
        every recorded answer says; an instance that sets others advertises them, and they are
        adopted. Every answer states the remaining calls and the reset (X-RateLimit-*)."""
        return (KnownLimit(300, 300.0, per=("host", "credential"), reported=True),
                KnownLimit(300, 300.0, per=("host", "ip"), reported=True))


def _server_reason(response: Response) -> str:
    """The instance's own words on a refusal ("The access token is invalid"), when it sent any."""
    try:
        body = response.json()
    except MalformedResponseError:
        return ""
    reason = body.get("error") if isinstance(body, dict) else None
    return f' ("{reason[:200]}")' if isinstance(reason, str) and reason else ""


register(MastodonConnector())
