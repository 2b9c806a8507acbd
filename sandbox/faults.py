"""Which requests fail and how, decided by a seeded generator so a run can be replayed."""

from __future__ import annotations

import random
import re

from sandbox.responses import HTML_TYPE, ApiResponse
from sandbox.scenario import ApiScenario

_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def reason_of(status: int) -> str:
    return _REASONS.get(status, "Error")


def html_error_page(status: int) -> bytes:
    reason = reason_of(status)
    return (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode("ascii")


def proxy_error(status: int) -> ApiResponse:
    """What a load balancer in front of the API answers when the API is down."""
    return ApiResponse(status, html_error_page(status), {}, HTML_TYPE)


def outage_status(settings: ApiScenario, seconds_since_set: float) -> int | None:
    for outage in settings.outages:
        if outage.start <= seconds_since_set < outage.end:
            return outage.status
    return None


_STRING_VALUE = re.compile(rb'"([A-Za-z_]+)":"')
_KEY_FIELDS = frozenset({b"id", b"uri", b"cid", b"name", b"url", b"after", b"before", b"cursor"})


def _with_bad_byte(body: bytes) -> bytes:
    """A Latin-1 byte inside the first string value that is not an id, cursor or link: still
    JSON in shape, no longer UTF-8."""
    for match in _STRING_VALUE.finditer(body):
        key = match.group(1)
        if key not in _KEY_FIELDS and not key.endswith(b"_id"):
            cut = match.end()
            return body[:cut] + b"caf\xe9 " + body[cut:]
    return body + b" \xe9"


def malform(response: ApiResponse, kind: str) -> ApiResponse:
    if kind == "non_utf8":
        return ApiResponse(response.status, _with_bad_byte(response.body), response.headers, response.content_type)
    if kind == "truncated":
        cut = max(1, len(response.body) // 2)
        return ApiResponse(response.status, response.body[:cut], response.headers, response.content_type)
    if kind == "html_200":
        page = (b"<!DOCTYPE html><html><head><title>Something went wrong</title></head>"
                b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>")
        return ApiResponse(200, page, response.headers, HTML_TYPE)
    return ApiResponse(response.status, response.body, response.headers, "text/plain; charset=utf-8")


class FaultDecider:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def reseed(self, seed: int) -> None:
        self._random = random.Random(seed)

    def latency(self, settings: ApiScenario) -> float:
        delay = settings.latency_fixed
        if settings.latency_jitter:
            delay += self._random.random() * settings.latency_jitter
        return delay

    def failure(self, settings: ApiScenario) -> tuple[str, int]:
        """`("drop", 0)`, `("hang", 0)`, `("error", status)` or `("", 0)` for none."""
        if settings.drop_rate and self._random.random() < settings.drop_rate:
            return "drop", 0
        if settings.hang_rate and self._random.random() < settings.hang_rate:
            return "hang", 0
        if settings.errors:
            draw = self._random.random()
            for status, rate in settings.errors:
                if draw < rate:
                    return "error", status
                draw -= rate
        return "", 0

    def malformed(self, settings: ApiScenario) -> str:
        for kind, rate in settings.malformed:
            if self._random.random() < rate:
                return kind
        return ""

    def payloads(self, settings: ApiScenario) -> list[str]:
        return [kind for kind, rate in settings.payloads if self._random.random() < rate]

    def duplicate_in_page(self, settings: ApiScenario) -> bool:
        return bool(settings.duplicate_in_page) and self._random.random() < settings.duplicate_in_page

    def repeat_cursor(self, settings: ApiScenario) -> bool:
        return bool(settings.cursor_repeat) and self._random.random() < settings.cursor_repeat
