"""Reversible escaping of keys MongoDB refuses or reserves.

MongoDB refuses `$`-prefixed keys and treats dots as paths; at the top of a stored record `_id`
and `_ingest` are ours. Such keys are percent-escaped (`%` itself too, so the mapping is
reversible): `$type` -> `%24type`, `a.b` -> `a%2Eb`, top-level `_id` -> `%5Fid`.
"""

from __future__ import annotations

import re
from typing import Any

RESERVED_TOP_LEVEL = frozenset({"_id", "_ingest"})
_ESCAPED = re.compile(r"%(25|2E|24|5F)")
_UNESCAPE = {"25": "%", "2E": ".", "24": "$", "5F": "_"}


KEYS_KEPT = 16384  # escaped keys remembered per level: an API's records repeat the same few hundred
_SCALARS = frozenset({str, int, float, bool, type(None)})
_TOP_LEVEL_KEYS: dict[str, str] = {}
_NESTED_KEYS: dict[str, str] = {}


def escape_key(key: str, top_level: bool = False) -> str:
    escaped = key.replace("%", "%25").replace(".", "%2E")
    if escaped.startswith("$"):
        escaped = "%24" + escaped[1:]
    if top_level and key in RESERVED_TOP_LEVEL:
        escaped = "%5F" + escaped[1:]
    return escaped


def unescape_key(key: str) -> str:
    return _ESCAPED.sub(lambda match: _UNESCAPE[match.group(1)], key)


def escape(value: Any, top_level: bool = True) -> Any:
    """A copy of a JSON value whose every key MongoDB accepts. Every dict and list is copied, so
    the record's payload and the stored document share nothing that can change."""
    if isinstance(value, dict):
        return _escape_dict(value, top_level)
    if isinstance(value, list):
        return [item if type(item) in _SCALARS else escape(item, False) for item in value]
    return value


def _escape_dict(value: dict, top_level: bool) -> dict:
    # The loop that costs most per record stored: one dict lookup per key, no call for a scalar.
    known = (_TOP_LEVEL_KEYS if top_level else _NESTED_KEYS).get
    escaped = {}
    for key, item in value.items():
        if type(item) not in _SCALARS:
            item = escape(item, False)
        escaped[known(key) or _escaped_key(key, top_level)] = item
    return escaped


def _escaped_key(key: Any, top_level: bool) -> str:
    """A key not met before at its level (or one that escapes to ""), remembered while there is
    room; a key that is not text (never from JSON) is not, as 1 and True would share a place."""
    if type(key) is not str:
        return escape_key(str(key), top_level)
    escaped = escape_key(key, top_level)
    remembered = _TOP_LEVEL_KEYS if top_level else _NESTED_KEYS
    if len(remembered) < KEYS_KEPT:
        remembered[key] = escaped
    return escaped


def unescape(value: Any) -> Any:
    """The inverse of `escape`."""
    if isinstance(value, dict):
        return {unescape_key(k): unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(item) for item in value]
    return value
