"""Timestamps as the APIs send them (ISO-8601 strings, epoch seconds) to aware UTC datetimes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string or epoch seconds; None if neither."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def spec_time(spec: dict, name: str) -> datetime | None:
    """A validated spec's time bound ("since", "until") as a datetime, or None."""
    return parse_time(spec.get(name))


def iso_z(moment: datetime) -> str:
    """An aware datetime as the ISO-8601 text the APIs accept, with 'Z' for UTC."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
