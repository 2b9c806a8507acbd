"""Reading HTTP headers: case-insensitive lookup, Link, Retry-After, reset times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime

from ingest.connectors.times import parse_time

_LINK_PART = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?')


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, matching the name case-insensitively; None when absent."""
    if name in headers:
        return headers[name]
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def parse_link_header(value: str | None) -> dict[str, str]:
    """The URLs of an RFC 8288 Link header by relation: {"next": url, "prev": url, ...}."""
    links: dict[str, str] = {}
    for match in _LINK_PART.finditer(value or ""):
        url, attributes = match.group(1), match.group(2)
        rel = _REL.search(attributes)
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name.lower(), url)
    return links


def parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from `now`: Retry-After is either seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    seconds = parse_float(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now)


def seconds_until_epoch(value: str | None, now: float) -> float | None:
    """Seconds from `now` to a reset given as epoch seconds."""
    epoch = parse_float(value)
    return None if epoch is None else max(0.0, epoch - now)


def seconds_until_iso(value: str | None, now: float) -> float | None:
    """Seconds from `now` to a reset given as an ISO-8601 timestamp."""
    moment = parse_time(value.strip()) if value else None
    return None if moment is None else max(0.0, moment.timestamp() - now)
