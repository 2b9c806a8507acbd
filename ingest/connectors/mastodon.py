"""Mastodon: public, hashtag and account timelines of one instance, with replies and authors.

Ids are unique per instance only, so keys are "<host>:<id>". A first pull reads newest-first
(``max_id`` from the Link header's rel="next"). An incremental pull reads forward from the
watermark with ``min_id`` (the Link header's rel="prev"), oldest page first, so a pull cut
short by ``limit`` leaves no gap behind its watermark. Watermark: ``{"min_id": "<id>"}``.

Authors (``with_accounts``) are stored from the account object embedded in every status,
which is the same Account entity ``/api/v1/accounts/:id`` returns: no extra call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ingest.errors import MalformedResponseError, ParameterError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.headers import parse_float, parse_retry_after, seconds_until_iso
from ingest.connectors.listing import (
    TimeBounds, common_params, following_page, kept_items, limit_reached, page_size,
)
from ingest.connectors.paginators import LinkCursorPaginator
from ingest.connectors.registry import register
from ingest.connectors.times import parse_time
from ingest.connectors.validation import Param
from ingest.limits.types import KnownLimit, LimitReading

LARGEST_PAGE = 40
GROUP = "api"
STATUSES = "mastodon_statuses"
ACCOUNTS = "mastodon_accounts"


class MastodonConnector(Connector):
    name = "mastodon"
    queue = "ingest.mastodon"
    default_base_url = "https://mastodon.social"
    collections = (Collection(STATUSES), Collection(ACCOUNTS))
    params = common_params(default_base_url, credential_help="name of an access token (optional)") + (
        Param("tag", str, None, "hashtag timeline, without '#'"),
        Param("account", str, None, "account timeline: a numeric id or 'user@instance'"),
        Param("local", bool, False, "public timeline: only this instance's statuses"),
        Param("remote", bool, False, "public timeline: only other instances' statuses"),
        Param("only_media", bool, False, "only statuses with media attachments"),
        Param("with_context", bool, False, "also fetch each status's ancestors and replies"),
        Param("with_accounts", bool, False, "also store each status's author account"),
    )

    def check(self, spec: dict) -> None:
        if spec["tag"] is not None:
            spec["tag"] = spec["tag"].lstrip("#")
        if spec["tag"] and spec["account"]:
            raise ParameterError("mastodon: pass tag or account, not both (one timeline per pull).")
        if (spec["local"] or spec["remote"]) and (spec["tag"] or spec["account"]):
            raise ParameterError("mastodon: local and remote apply to the public timeline only; "
                                 "drop them or drop tag/account.")

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        if spec["tag"]:
            query = f"tag:{spec['tag'].lower()}"
        elif spec["account"]:
            query = f"account:{spec['account']}"
        else:
            query = "public" + ":local" * spec["local"] + ":remote" * spec["remote"]
        return query + ":media" * spec["only_media"] + f"@{host}"

    def watermark_order(self, watermark: dict) -> Any:
        return status_order(watermark["min_id"])

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        account = spec["account"]
        if account and not account.isdigit():
            resume = {"watermark": watermark} if spec["incremental"] and watermark else {}
            return [Request("account", f"{spec['base_url']}/api/v1/accounts/lookup",
                            {"acct": account.lstrip("@")}, group=GROUP, context=resume)]
        return [self._timeline(spec, watermark, account_id=account)]

    def _timeline(self, spec: dict, watermark: dict | None, account_id: str | None,
                  depth: int = 0) -> Request:
        base = spec["base_url"]
        if account_id:
            url = f"{base}/api/v1/accounts/{account_id}/statuses"
        elif spec["tag"]:
            url = f"{base}/api/v1/timelines/tag/{quote(spec['tag'], safe='')}"
        else:
            url = f"{base}/api/v1/timelines/public"
        params: dict[str, Any] = {"limit": page_size(spec, 0, LARGEST_PAGE)}
        for flag in ("local", "remote", "only_media"):
            if spec[flag]:
                params[flag] = "true"
        context: dict[str, Any] = {"emitted": 0}
        if spec["incremental"] and watermark:
            params["min_id"] = watermark["min_id"]
            context["forward"] = True
        return Request("timeline", url, params, group=GROUP, depth=depth, context=context)

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if request.kind == "timeline":
            return self._parse_timeline(request, response, spec, _statuses(body, response))
        if request.kind == "context":
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{response.safe_url}: context is not an object")
            statuses = _statuses(body.get("ancestors", []), response) + _statuses(
                body.get("descendants", []), response)
            records = [status_record(request.host, s) for s in statuses]
            if spec["with_accounts"]:
                records += account_records(request.host, statuses)
            return Page(records=records)
        if request.kind == "account":
            if not isinstance(body, dict) or "id" not in body:
                raise MalformedResponseError(f"{response.safe_url}: account has no id")
            record = Record(ACCOUNTS, f"{request.host}:{body['id']}", body,
                            parse_time(body.get("created_at")))
            child = self._timeline(spec, request.context.get("watermark"), str(body["id"]),
                                   depth=request.depth + 1)
            return Page(records=[record], children=[child])
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

    def _context_requests(self, request: Request, spec: dict, statuses: list[dict]) -> list[Request]:
        wanted: dict[str, None] = {}
        for status in statuses:
            original = status.get("reblog") or status
            if original.get("replies_count") or original.get("in_reply_to_id"):
                wanted[str(original["id"])] = None
        return [Request("context", f"{spec['base_url']}/api/v1/statuses/{status_id}/context", {},
                        group=GROUP, depth=request.depth + 1, context={"status_id": status_id})
                for status_id in wanted]

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
        adopted."""
        return (KnownLimit(300, 300.0, per=("host", "credential")),
                KnownLimit(300, 300.0, per=("host", "ip")))


def status_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings that grow with time; compare them as numbers."""
    text = str(status_id)
    return (int(text), text) if text.isdigit() else (-1, text)


def status_time(status: dict) -> datetime | None:
    return parse_time(status.get("created_at"))


def status_record(host: str, status: dict) -> Record:
    return Record(STATUSES, f"{host}:{status['id']}", status, status_time(status))


def account_records(host: str, statuses: list[dict]) -> list[Record]:
    """The distinct authors of these statuses and of the statuses they boost."""
    accounts: dict[str, dict] = {}
    for status in statuses:
        for source in (status, status.get("reblog") or {}):
            account = source.get("account")
            if isinstance(account, dict) and "id" in account:
                accounts.setdefault(str(account["id"]), account)
    return [Record(ACCOUNTS, f"{host}:{account_id}", account, parse_time(account.get("created_at")))
            for account_id, account in accounts.items()]


def _statuses(body: Any, response: Response) -> list[dict]:
    if not isinstance(body, list) or not all(isinstance(s, dict) and "id" in s for s in body):
        raise MalformedResponseError(
            f"{response.safe_url}: expected a JSON list of statuses with ids", status=response.status)
    return body


register(MastodonConnector())
