"""The answer an API handler gives, before the sandbox adds headers and faults."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class ApiResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None,
             content_type: str = JSON_TYPE) -> "ApiResponse":
        return cls(status, encode_json(value), headers or {}, content_type)

    @classmethod
    def raw_json(cls, body: bytes, headers: dict[str, str] | None = None,
                 content_type: str = JSON_TYPE) -> "ApiResponse":
        return cls(200, body, headers or {}, content_type)


def join_json_array(parts: list[bytes]) -> bytes:
    """A JSON array from already-encoded elements."""
    return b"[" + b",".join(parts) + b"]"


class ApiError(Exception):
    """Raised by a handler; the API's own error shape is built by the pipeline."""

    status = 400

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.code = code


class BadParameter(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class RawAnswer(Exception):
    """Raised by a handler whose API answers an error with a non-error shape (HN's `null`)."""

    def __init__(self, response: ApiResponse):
        super().__init__(response.status)
        self.response = response
