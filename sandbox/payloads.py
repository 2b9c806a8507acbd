"""Odd but valid JSON for a page: huge records, keys a document store refuses, deep nesting,
a record the page holds twice.

The change lands on every object of a top-level list (Mastodon, Hacker News lists), or on the
top-level object itself (a Hacker News item), which is where those APIs keep their records.
"""

from __future__ import annotations

import json

from sandbox.responses import ApiResponse, encode_json
from sandbox.scenario import ApiScenario

ODD_KEYS = {"$where": "1", "a.b": {"$gt": 1, "c.d": "e"}, "%2E": "percent", "_id": "shadow"}


def nested(levels: int) -> dict:
    value: dict = {"bottom": True}
    for level in range(levels - 1):
        value = {f"level{levels - 1 - level}": value}
    return value


def _change(record: dict, kinds: list[str], settings: ApiScenario) -> None:
    if "huge" in kinds:
        record["padding"] = "x" * settings.huge_bytes
    if "odd_keys" in kinds:
        record.update(json.loads(json.dumps(ODD_KEYS)))
    if "deep" in kinds:
        record["deep"] = nested(settings.deep_levels)


def with_duplicate(response: ApiResponse) -> ApiResponse:
    """The page with its first record twice in a row, as listings sometimes answer: a
    top-level list (Mastodon, Hacker News lists) or a Reddit Listing's `data.children`; any
    other answer as it was."""
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    listing = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    records = body if isinstance(body, list) else (listing or {}).get("children")
    if not isinstance(records, list) or not records or (isinstance(records[0], dict) and "kind" in records[0]
                                                         and records[0]["kind"] == "Listing"):
        return response
    records.insert(1, json.loads(json.dumps(records[0])))
    return ApiResponse(response.status, encode_json(body), response.headers, response.content_type)


def with_payloads(response: ApiResponse, kinds: list[str], settings: ApiScenario) -> ApiResponse:
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    records = body if isinstance(body, list) else [body]
    for record in records:
        if isinstance(record, dict):
            _change(record, kinds, settings)
    return ApiResponse(response.status, encode_json(body), response.headers, response.content_type)
