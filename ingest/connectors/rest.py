"""The declarative connector: any JSON API described by a definition (see rest_definition).

Pull with a named preset or an inline definition, plus the definition's arguments::

    ingest.pull("rest", preset="github_issues", owner="psf", repo="requests")
    ingest.pull("rest", definition={...}, credential="github")

The validated spec holds the resolved definition, so a replay does not depend on the preset
staying the same. Records go to ``rest_<name>``. The page size is lowered to the remaining
``limit`` on the first page only: later pages keep it, so page numbers and offsets stay valid.
Rate-limit header names come from the definition, so the worker reads limits and classifies
through ``connector.for_spec(spec)``; unbound, the common ``x-ratelimit-*`` names are read.
Watermark: ``{"value": <the largest incremental.field seen>}``, sent back as incremental.param.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from ingest.errors import FetchError, MalformedResponseError, ParameterError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.classify import REMAINING_HEADERS, classify_status
from ingest.connectors.headers import (
    parse_float, parse_retry_after, seconds_until_epoch, seconds_until_iso,
)
from ingest.connectors.listing import (
    TimeBounds, bounded_listing_calls, common_params, following_page, kept_items, limit_reached, page_size,
)
from ingest.connectors.paginators import build_paginator, dig
from ingest.connectors.presets import PRESETS
from ingest.connectors.rest_definition import (
    KeyScope, ListingOrder, ResetKind, argument_params, listing_order, validate_definition,
)
from ingest.connectors.times import iso_z, parse_time, spec_time
from ingest.connectors.validation import Param, validate_params
from ingest.connectors.registry import register
from ingest.limits.types import KnownLimit, LimitReading


GENERIC_LIMIT_HEADERS = {"limit": "x-ratelimit-limit", "remaining": "x-ratelimit-remaining",
                         "reset": "x-ratelimit-reset", "reset_kind": ResetKind.EPOCH.value}
"""Read when no definition is bound: the most common spelling of rate-limit headers."""


class RestConnector(Connector):
    name = "rest"
    queue = "ingest.rest"
    default_base_url = ""
    collections = tuple(Collection(f"rest_{preset}") for preset in PRESETS)
    params = common_params(None, credential_help="name of the credential the auth header carries") + (
        Param("preset", str, None, "a shipped definition", choices=tuple(PRESETS)),
        Param("definition", dict, None, "an inline definition (see ingest.connectors.rest_definition)"),
    )

    def __init__(self, rate_limit: dict | None = None) -> None:
        self._limit_headers = rate_limit or GENERIC_LIMIT_HEADERS

    def for_spec(self, spec: dict) -> RestConnector:
        """A connector that reads the rate-limit headers named by this spec's definition."""
        return RestConnector(spec["definition"]["rate_limit"] or None)

    def validate(self, params: dict) -> dict:
        given = dict(params)
        raw = given.get("definition")
        if raw is None:
            preset = given.get("preset")
            if preset is None:
                raise ParameterError("rest: pass preset='github_issues' or definition={...} "
                                     f"(presets: {', '.join(PRESETS)}).")
            if preset not in PRESETS:
                validate_params(self.params, {"preset": preset}, source=self.name)
            raw = PRESETS[preset]
        reserved = tuple(param.name for param in self.params)
        definition = validate_definition(raw, reserved)
        given["definition"] = None
        spec = validate_params(self.params + argument_params(definition), given, source=self.name)
        spec["definition"] = definition
        spec["base_url"] = (spec["base_url"] or definition["base_url"]).rstrip("/")
        bounded = [name for name in ("since", "until") if spec[name] is not None]
        if bounded and not definition["created_at_field"] and not definition["time_params"]:
            raise ParameterError(
                f"rest {definition['name']}: {bounded[0]} cannot be applied: its records carry no time "
                "(the definition has no created_at_field nor time_params); drop it, or set one of them.")
        return spec

    def collection(self, spec: dict) -> str:
        return f"rest_{spec['definition']['name']}"

    def collections_for(self, spec: dict) -> tuple[Collection, ...]:
        return (Collection(self.collection(spec)),)

    def query_key(self, spec: dict) -> str:
        arguments = "&".join(f"{name}={spec[name]}" for name in sorted(spec["definition"]["arguments"]))
        return f"{spec['definition']['name']}:{arguments}@{urlsplit(spec['base_url']).netloc}"

    def watermark_order(self, watermark: dict) -> Any:
        moment = parse_time(watermark["value"])
        return moment.timestamp() if moment else watermark["value"]

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        definition = spec["definition"]
        path_values, params = {}, dict(definition["query"])
        for name, argument in definition["arguments"].items():
            if argument["in"] == "path":
                path_values[name] = quote(str(spec[name]), safe="")
            elif spec[name] is not None:
                params[argument["query_name"]] = _query_value(spec[name])
        sizing = definition["page_size"]
        if sizing:
            params[sizing["param"]] = page_size(spec, 0, sizing["max"])
        paginator = definition["paginator"]
        if paginator["type"] == "page_number":
            params[paginator.get("param", "page")] = paginator.get("start", 1)
        elif paginator["type"] == "offset":
            params[paginator.get("param", "offset")] = 0
        for bound, name in (definition["time_params"] or {}).items():
            moment = spec_time(spec, bound)
            if moment is not None:
                params[name] = iso_z(moment)
        resume = definition["incremental"]
        if spec["incremental"] and watermark and resume:
            params[resume["param"]] = self._later(params.get(resume["param"]), watermark["value"])
        url = spec["base_url"] + definition["path"].format(**path_values)
        return [Request("page", url, params, group=definition["group"], context={"emitted": 0})]

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        definition = spec["definition"]
        items = dig(response.json(), definition["records_path"])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            where = f"records_path {definition['records_path']!r}" if definition["records_path"] else "the body"
            raise MalformedResponseError(f"{response.safe_url}: {where} is not a list of objects",
                                         status=response.status)
        records = [self._record(spec, request.host, item) for item in items]
        bounds = TimeBounds.of(spec)
        kept, total = kept_items(spec, request, bounds, records)
        page = Page(records=kept, watermark=self._watermark(definition, kept))
        times = [r.created_at for r in records if r.created_at]
        order = listing_order(definition, spec)
        if limit_reached(spec, total):
            return page
        if order is ListingOrder.NEWEST_FIRST and bounds.passed(min(times, default=None)):
            return page
        if order is ListingOrder.OLDEST_FIRST and bounds.until and times and max(times) > bounds.until:
            return page
        sizing = definition["page_size"]
        paginator = build_paginator(definition["paginator"], sizing["param"] if sizing else None)
        page.next = following_page(paginator, response, items, request, total)
        return page

    def estimate_calls(self, spec: dict) -> int | None:
        """The listing's pages at the definition's largest page size, bounded by `limit` or
        `max_pages`; without a page size the API's own is not known, and only `max_pages` bounds them."""
        sizing = spec["definition"]["page_size"]
        return bounded_listing_calls(spec, sizing["max"]) if sizing else spec["max_pages"]

    def listing_page(self, spec: dict) -> int | None:
        sizing = spec["definition"]["page_size"]
        return sizing["max"] if sizing else None

    def _later(self, sent: Any, stored: Any) -> Any:
        """The later of a time bound already in the query and the watermark."""
        if sent is None:
            return stored
        return max(sent, stored, key=lambda v: self.watermark_order({"value": v}))

    def _record(self, spec: dict, host: str, item: dict) -> Record:
        definition = spec["definition"]
        parts = [dig(item, field) for field in definition["id_fields"]]
        if any(part is None for part in parts):
            raise MalformedResponseError(
                f"rest {definition['name']}: a record lacks an id field ({', '.join(definition['id_fields'])})")
        key = ":".join(map(str, parts))
        if definition["key_scope"] == KeyScope.HOST.value:
            key = f"{host}:{key}"
        field = definition["created_at_field"]
        return Record(self.collection(spec), key, item, parse_time(dig(item, field)) if field else None)

    def _watermark(self, definition: dict, records: list[Record]) -> dict | None:
        resume = definition["incremental"]
        if not resume:
            return None
        values = [v for v in (dig(r.payload, resume["field"]) for r in records) if v is not None]
        if not values:
            return None
        return {"value": max(values, key=lambda v: self.watermark_order({"value": v}))}

    def headers(self, spec: dict, secret: str | None, account: str | None = None) -> dict[str, str]:
        definition = spec["definition"]
        result = {**super().headers(spec, None), **definition["headers"]}
        auth = definition["auth"]
        if secret and auth:
            result[auth["header"]] = auth["format"].replace("{secret}", secret)
        return result

    def credential_kinds(self, spec: dict) -> tuple[str, ...]:
        auth = spec["definition"]["auth"]
        return tuple(dict.fromkeys(("bearer", auth.get("credential_kind", "bearer")))) if auth else ()

    def read_limits(self, response: Response, now: float) -> LimitReading:
        names = self._limit_headers
        reset_text = response.header(names.get("reset") or "")
        kind = ResetKind(names.get("reset_kind", ResetKind.EPOCH.value))
        if kind is ResetKind.ISO:
            reset_after = seconds_until_iso(reset_text, now)
        elif kind is ResetKind.SECONDS:
            reset_after = parse_float(reset_text)
        else:
            reset_after = seconds_until_epoch(reset_text, now)
        window = names.get("window")
        return LimitReading(
            limit=parse_float(response.header(names.get("limit") or "")),
            remaining=parse_float(response.header(names.get("remaining") or "")),
            reset_after=reset_after,
            retry_after=parse_retry_after(response.header("Retry-After"), now),
            window=float(window) if window is not None else None,
        )

    def classify(self, response: Response, now: float) -> FetchError | None:
        remaining = self._limit_headers.get("remaining")
        return classify_status(response.status, response.header, response.safe_url, response.body, now,
                               remaining_headers=(remaining,) if remaining else REMAINING_HEADERS)

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        known = spec["definition"]["known_limit"]
        if not known:
            return ()
        requests = known.get("requests_with_credential") if spec.get("credential") else None
        headers = spec["definition"]["rate_limit"] or {}
        return (KnownLimit(float(requests or known["requests"]), float(known["window"]),
                           per=tuple(known["per"]),
                           reported=bool(headers.get("remaining") and headers.get("reset"))),)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return value


register(RestConnector())
