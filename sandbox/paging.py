"""Pagination arithmetic shared by the APIs: id windows, offsets, and Link headers."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from urllib.parse import urlencode

from sandbox.responses import BadParameter


def id_window(ids: list[int], limit: int, max_id: int | None = None, since_id: int | None = None,
              min_id: int | None = None) -> list[int]:
    """Positions in ascending `ids` of one Mastodon-style page, newest first.

    `max_id` bounds from above (exclusive); `since_id` from below, taking the newest; `min_id`
    from below, taking the oldest just above it.
    """
    high = bisect_left(ids, max_id) if max_id is not None else len(ids)
    if min_id is not None:
        low = bisect_right(ids, min_id)
        return list(range(min(low + limit, high) - 1, low - 1, -1))
    low = bisect_right(ids, since_id) if since_id is not None else 0
    return list(range(high - 1, max(low, high - limit) - 1, -1))


def int_param(params, name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be an integer, not {raw!r}") from None


def clamped_limit(params, default: int, maximum: int, name: str = "limit") -> int:
    """The APIs that clamp: a limit past the maximum is the maximum, below one is one."""
    value = int_param(params, name, default)
    return max(1, min(abs(value), maximum))


def bool_param(params, name: str) -> bool:
    return params.get(name, "").lower() in ("1", "true", "yes", "on")


def link_header(links: list[tuple[str, str]]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)


def url_with(base: str, path: str, params: list[tuple[str, str]]) -> str:
    query = urlencode(params)
    return f"{base}{path}?{query}" if query else f"{base}{path}"
