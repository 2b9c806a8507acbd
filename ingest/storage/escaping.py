"""Reversible escaping of keys MongoDB refuses or reserves.

MongoDB refuses `$`-prefixed keys and treats dots as paths; at the top of a stored record `_id`
and `_ingest` are ours. Such keys are percent-escaped (`%` itself too, so the mapping is
reversible): `$type` -> `%24type`, `a.b` -> `a%2Eb`, top-level `_id` -> `%5Fid`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

RESERVED_TOP_LEVEL = frozenset({"_id", "_ingest"})
_ESCAPED = re.compile(r"%(25|2E|24|5F)")
_UNESCAPE = {"25": "%", "2E": ".", "24": "$", "5F": "_"}


@lru_cache(maxsize=16384)  # an API's records repeat the same few hundred keys
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
    """A copy of a JSON value whose every key MongoDB accepts."""
    if isinstance(value, dict):
        return {escape_key(k if type(k) is str else str(k), top_level): escape(v, False) if isinstance(v, _NESTED) else v
                for k, v in value.items()}
    if isinstance(value, list):
        return [escape(item, False) if isinstance(item, _NESTED) else item for item in value]
    return value


_NESTED = (dict, list)


def unescape(value: Any) -> Any:
    """The inverse of `escape`."""
    if isinstance(value, dict):
        return {unescape_key(k): unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(item) for item in value]
    return value
