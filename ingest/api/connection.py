"""The notebook side's way to its stack: one `Runtime` per stack, its store's indexes made on
first use."""

from __future__ import annotations

from ingest.runtime import Runtime
from ingest.settings import Settings, get_settings


def runtime(settings: Settings | None = None) -> Runtime:
    """The runtime of the stack `settings` name (the environment's by default)."""
    made = Runtime.of(settings or get_settings())
    made.ensure_indexes()
    return made
