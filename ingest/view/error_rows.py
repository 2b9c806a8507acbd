"""A job's recent errors as the views show them: one entry per error, its cells, its wrapping,
and whether a rerun could change it."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

ERROR_FIELDS = ("node", "kind", "status", "message", "at", "outcome")  # outcome: "retried", "failed" or ""
# Refusals a rerun cannot change: a parameter (400), the credential (401, 403), a missing thing (404).
FINAL_STATUSES = {400: "a parameter", 401: "the credential", 403: "the credential or its access", 404: "not found"}
FINAL_KINDS = ("permanent", "credential_refused")


def error_entry(error: Mapping[str, Any]) -> dict[str, Any]:
    status = error.get("status")
    return {
        "node": str(error.get("node") or ""),
        "kind": str(error.get("kind") or ""),
        "status": int(status) if isinstance(status, (int, float)) or str(status).isdigit() else None,
        "message": str(error.get("message") or ""),
        "at": utc(error.get("at")),
        "outcome": str(error.get("outcome") or ""),
    }


def utc(value: Any) -> datetime | None:
    """A datetime in UTC from a datetime (naive ones are UTC, as MongoDB answers them), unix
    seconds, or ISO text; None for anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            return utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def error_time(error: Mapping[str, Any]) -> str:
    return error["at"].strftime("%H:%M:%S") if error.get("at") is not None else "--:--:--"


def error_kind(error: Mapping[str, Any]) -> str:
    """The error's kind and, when it was retried, that it was: 'transient (retried)'."""
    kind = error.get("kind") or "-"
    return f"{kind} (retried)" if error.get("outcome") == "retried" else kind


def error_cells(error: Mapping[str, Any]) -> list[str]:
    status = str(error["status"]) if error["status"] is not None else "-"
    return [error_time(error), error_kind(error), status, f"node {error['node'][:8] or '-'}",
            " ".join(error["message"].split())]


def is_final(error: Mapping[str, Any]) -> bool:
    return error["kind"] in FINAL_KINDS and (error["kind"] == "credential_refused" or error["status"] in FINAL_STATUSES)


def wrapped_errors(errors: Iterable[Mapping[str, Any]], width: int) -> list[str]:
    """Each error in full: its cells on the first line, the message wrapped under it."""
    lines = []
    for error in errors:
        *cells, message = error_cells(error)
        lines.append("  " + "  ".join(cells))
        lines += wrapped(message, width, indent="    ") or ["    -"]
    return lines


def wrapped(text: str, width: int, indent: str = "") -> list[str]:
    """The text in lines of `width`, broken at spaces only: URLs, names and commands stay whole."""
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)
