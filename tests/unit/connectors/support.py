"""Turning recorded exchanges and hand-made answers into connector Responses."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ingest.connectors.base import Response
from tests.recordings import Exchange


def from_exchange(exchange: Exchange) -> Response:
    return Response(status=exchange.status, headers=dict(exchange.headers),
                    body=exchange.body.encode("utf-8"), url=exchange.url)


def json_response(body: Any, *, status: int = 200, headers: dict | None = None,
                  url: str = "https://example.test/api") -> Response:
    merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Response(status=status, headers=merged, body=json.dumps(body).encode(), url=url)


def epoch(text: str) -> float:
    """Epoch seconds of an ISO-8601 UTC time, for injected clocks."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()
