"""The notebook side's way to its stack: one `Runtime` per stack, the store's indexes made once."""

from __future__ import annotations

from ingest.runtime import Runtime
from ingest.settings import Settings, get_settings

_indexed: set[int] = set()


def runtime(settings: Settings | None = None) -> Runtime:
    """The runtime of the stack `settings` name (the environment's by default)."""
    made = Runtime.of(settings or get_settings())
    if id(made) not in _indexed:
        made.ensure_indexes()
        _indexed.add(id(made))
    return made
