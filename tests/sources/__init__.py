"""Sources defined outside the `ingest` package, registered the way a user's own are."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from ingest.connectors import registry

SANDBOX_STORIES = "tests.sources.sandbox_stories"


@contextmanager
def registered(module: str) -> Iterator[ModuleType]:
    """Import a source's module, which registers its sources; forget them afterwards, so that the
    tests after this one see the built-in sources only."""
    before = set(registry.names())
    imported = importlib.import_module(module)
    try:
        yield imported
    finally:
        for name in set(registry.names()) - before:
            registry.unregister(name)
        sys.modules.pop(module, None)
