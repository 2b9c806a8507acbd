"""The connector contract: what every source declares, builds and parses.

A connector is pure. It declares its parameters, turns a validated spec into the first
requests, and turns one HTTP answer into records, the next page and child requests. It never
sleeps, retries, reads a clock, opens a socket or touches Redis or MongoDB: the worker does.

How the worker drives a connector:

1. ``spec = connector.validate(kwargs)`` in the notebook; the spec is plain JSON and is
   stored with the job, so ``validate(spec) == spec`` (replays validate to the same spec).
   The worker then drives ``connector.for_spec(spec)`` (the rest connector reads
   rate-limit headers named in its definition; every other connector returns itself).
2. ``connector.start(spec, watermark)`` gives the root requests. ``watermark`` is what
   ``merge_watermarks`` accumulated for ``query_key(spec)`` in earlier incremental pulls,
   or None.
3. For each ``Request`` (one Celery task, ``to_dict()`` in the message): the worker skips it
   when ``request.target`` names a record stored unchanged within its freshness window; takes a
   permit for ``(host of request.url, credential, request.group)``; sends
   ``GET request.url`` with ``request.params`` and ``connector.headers(spec, secret, account)``,
   where the secret is the token obtained with the pull's credential (``ingest.auth``); when
   ``connector.token_refused(response)``, the token is renewed once and the call made again.
4. With the answer as a ``Response``: ``connector.read_limits(response, now)`` reconciles
   the limiter; ``connector.classify(response, now)`` returns the error to raise or None;
   then ``connector.parse(request, response, spec)`` gives a ``Page``. The worker stores
   ``page.records``, publishes ``page.next`` unless ``max_pages`` is reached (it counts
   ``Request.page``), publishes ``page.children``, and folds ``page.watermark`` into the
   stored one with ``merge_watermarks``.
5. ``limit`` is counted by the worker across tasks; connectors also stop a listing once the
   records they emitted along it (``Request.context["emitted"]``) reach it, and ask for
   fewer items when fewer are missing than the largest page.

Time bounds: ``since``/``until`` drop records of the root listing outside the bounds.
Listings read newest-first stop issuing ``next`` once a page's oldest item is older than
``since``. Records reached below the root (replies, comments, threads, accounts) belong to a
root record inside the bounds and are kept whatever their own time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import FetchError, MalformedResponseError
from ingest.connectors.classify import classify_status
from ingest.connectors.headers import header_value, parse_retry_after
from ingest.connectors.json_decoding import decode_json
from ingest.connectors.validation import REQUIRED, Param, validate_params
from ingest.limits.types import KnownLimit, LimitReading

__all__ = ["REQUIRED", "Param", "Request", "Response", "Record", "Page", "Collection", "Connector"]


@dataclass(frozen=True)
class Request:
    """One HTTP GET. Travels in task messages, so it holds plain JSON only, never a secret."""

    kind: str
    url: str
    params: dict
    group: str = "default"
    depth: int = 0
    page: int = 1
    target: tuple[str, str] | None = None
    context: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "url": self.url, "params": dict(self.params),
            "group": self.group, "depth": self.depth, "page": self.page,
            "target": list(self.target) if self.target else None,
            "context": dict(self.context),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        target = data.get("target")
        return cls(
            kind=data["kind"], url=data["url"], params=dict(data.get("params") or {}),
            group=data.get("group", "default"), depth=int(data.get("depth", 0)),
            page=int(data.get("page", 1)),
            target=(str(target[0]), str(target[1])) if target else None,
            context=dict(data.get("context") or {}),
        )

    def next_page(self, params: dict, url: str | None = None, **context: Any) -> Request:
        """The following page of the same listing: new query, page + 1, context updated."""
        return replace(self, url=url or self.url, params=params, page=self.page + 1,
                       context={**self.context, **context})

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


@dataclass(frozen=True)
class Response:
    """The HTTP answer to one Request, as the worker received it."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name; None when absent."""
        return header_value(self.headers, name)

    def json(self) -> Any:
        """The decoded body, decoded once; MalformedResponseError when it is not JSON.

        Bytes that are not UTF-8 (a stray Latin-1 byte in one text field) become U+FFFD rather
        than costing the page and every page after it."""
        cached = self.__dict__.get("_decoded", _UNSET)
        if cached is _UNSET:
            try:
                cached = decode_json(self.body)
            except RecursionError:
                raise MalformedResponseError(
                    f"{self.safe_url}: body is JSON nested too deeply to decode", status=self.status) from None
            except ValueError as exc:
                raise MalformedResponseError(
                    f"{self.safe_url}: body is not JSON ({type(exc).__name__})",
                    status=self.status) from None
            object.__setattr__(self, "_decoded", cached)
        return cached

    @property
    def safe_url(self) -> str:
        """The URL without its query string or any login, its port kept (the sandbox and the
        real host differ by it), for error texts."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


_UNSET = object()


@dataclass(frozen=True)
class Record:
    """One stored document: its collection, natural key, the payload as sent, its time."""

    collection: str
    key: str
    payload: dict
    created_at: datetime | None = None


@dataclass(frozen=True)
class Collection:
    """A collection a source stores records in. Every record collection is indexed on
    `_ingest.jobs` (the jobs that fetched or saw a record); `indexes` adds others, each a tuple
    of fields in ascending order. `epoch_fields` hold Unix epoch seconds, which frames read as
    UTC times."""

    name: str
    indexes: tuple[tuple[str, ...], ...] = ()
    epoch_fields: frozenset[str] = frozenset()


@dataclass
class Page:
    """What one response yields."""

    records: list[Record] = field(default_factory=list)
    next: Request | None = None
    children: list[Request] = field(default_factory=list)
    watermark: dict | None = None


PROJECT_AGENT = "ingest-workbench/0.1"


class Connector(ABC):
    """Base of every source. Subclasses set the class attributes and the abstract methods, and
    the module that defines one registers it (``ingest.connectors.registry.register``).

    `queue` is ``ingest.<family>``: each queue has its own pool of workers. `collections` are
    every collection the source may store records in, its main collection first."""

    name: str
    queue: str
    default_base_url: str
    params: tuple[Param, ...]
    collections: tuple[Collection, ...]

    def validate(self, params: Mapping[str, Any]) -> dict:
        """The full normalised spec, or ParameterError naming the parameter and the fix."""
        spec = validate_params(self.params, params, source=self.name)
        spec["base_url"] = spec["base_url"].rstrip("/")
        self.check(spec)
        return spec

    def for_spec(self, spec: dict) -> Connector:
        """The connector to drive this spec with; only the rest connector depends on the spec."""
        return self

    def collections_for(self, spec: dict) -> tuple[Collection, ...]:
        """The collections a pull with this spec stores records in, its main collection first."""
        return self.collections

    def check(self, spec: dict) -> None:
        """Rules across parameters (exactly one of two, ...); raise ParameterError."""

    @abstractmethod
    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        """The root requests of a pull."""

    @abstractmethod
    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        """Records, next page and children; MalformedResponseError on a bad shape."""

    @abstractmethod
    def query_key(self, spec: dict) -> str:
        """Identifies "the same source and query" for watermarks."""

    def headers(self, spec: dict, secret: str | None, account: str | None = None) -> dict[str, str]:
        """User-Agent naming the project and the user's contact, plus auth when a secret is given.
        `account` is the public name of the account a credential acts as, when it has one."""
        contact = spec.get("contact") or ""
        agent = f"{PROJECT_AGENT} (+{contact})" if contact else PROJECT_AGENT
        result = {"User-Agent": agent, "Accept": "application/json"}
        if secret:
            result["Authorization"] = f"Bearer {secret}"
        return result

    def credential_kinds(self, spec: dict) -> tuple[str, ...]:
        """The kinds of credential (`ingest.auth.kinds`) this source can send; () for none."""
        return ("bearer",) if any(param.name == "credential" for param in self.params) else ()

    def needs_credential(self, spec: dict) -> bool:
        """Whether the API answers nothing without a credential."""
        return False

    def token_refused(self, response: Response) -> bool:
        """Whether the API refused the access token itself (expired or revoked), so that a
        renewed token may pass: 401 for most APIs."""
        return response.status == 401

    def check_request(self, base_url: str) -> Request | None:
        """One cheap authenticated call to the API at `base_url` that shows a credential works
        (`ingest credentials check`), or None when the source has none."""
        return None

    def read_limits(self, response: Response, now: float) -> LimitReading:
        """This API's rate-limit headers; the base reads only Retry-After."""
        return LimitReading(retry_after=parse_retry_after(response.header("Retry-After"), now))

    def classify(self, response: Response, now: float) -> FetchError | None:
        """The error this answer means, or None when the body can be parsed."""
        return classify_status(response.status, response.header, response.safe_url, response.body, now)

    def known_limits(self, spec: dict) -> tuple[KnownLimit, ...]:
        """Published limits; empty means the limit is unknown and the adaptive limiter applies."""
        return ()

    def estimate_calls(self, spec: dict) -> int | None:
        """The calls a pull with this spec makes at most, where the API lets it be known before
        anything is fetched (a listing bounded by `limit`, a list of known length); None where not."""
        return None

    def listing_page(self, spec: dict) -> int | None:
        """Records per call of the pull's paged top-level listing, or None when it has none."""
        return None

    def merge_watermarks(self, old: dict | None, new: dict | None) -> dict | None:
        """Keep the newer of two watermarks; both have this connector's shape."""
        if old is None or new is None:
            return new if old is None else old
        return new if self.watermark_order(new) > self.watermark_order(old) else old

    def watermark_order(self, watermark: dict) -> Any:
        """A sortable value: the larger watermark is the newer one."""
        raise NotImplementedError(f"{self.name} keeps no watermark")

    def describe(self) -> str:
        """Every parameter with its type, default and help, for the notebook."""
        lines = [f"{self.name}: collections {', '.join(c.name for c in self.collections)}"]
        lines.extend("  " + param.describe() for param in self.params)
        return "\n".join(lines)
