"""Drive a connector to the end of a query in-process, over real HTTP to a sandbox, the way the
worker does (start, then every next page and child), without the stack: a cheap check that a
query's paging reaches exactly the sandbox's truth with the calls it needs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import requests

from ingest import connectors
from ingest.connectors.base import Record, Request, Response

MAX_CALLS = 5000


@dataclass
class Walk:
    records: list[Record] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def keys(self, collection: str | None = None) -> list[str]:
        return [r.key for r in self.records if collection is None or r.collection == collection]


def walk(source: str, secret: str | None = None, max_calls: int = MAX_CALLS, **params) -> Walk:
    """Every record a pull of `source` with `params` stores, and every request it makes, in the
    order a single worker would make them. A connector error (classify or parse) is raised."""
    connector = connectors.get(source)
    spec = connector.validate(params)
    connector = connector.for_spec(spec)
    pending = deque(connector.start(spec, None))
    result = Walk()
    session = requests.Session()
    while pending:
        if result.calls >= max_calls:
            raise AssertionError(f"{source}: more than {max_calls} calls; is the paging looping?")
        request = pending.popleft()
        result.requests.append(request)
        answer = session.get(request.url, params=request.params, headers=connector.headers(spec, secret),
                             timeout=30, allow_redirects=False)
        response = Response(answer.status_code, dict(answer.headers), answer.content, answer.url)
        error = connector.classify(response, 0.0)
        if error is not None:
            raise error
        page = connector.parse(request, response, spec)
        result.records.extend(page.records)
        max_pages = spec.get("max_pages")
        if page.next is not None and (max_pages is None or page.next.page <= max_pages):
            pending.append(page.next)
        pending.extend(page.children)
    return result
