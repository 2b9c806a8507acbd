"""The connectors, by name: ``get("mastodon")``, ``names()``, ``describe()``.

Each connector is pure request-building and response-parsing code; the contract is in
``ingest.connectors.base``. Each module registers its own connector, and sources defined
outside the package register the same way (see ``ingest.connectors.registry``).
"""

from __future__ import annotations

# Imported in this order, the built-in sources register in it (their queues and collections too).
from ingest.connectors import mastodon, reddit, hackernews, bluesky, rest, hn_search  # noqa: F401
from ingest.connectors.base import Collection, Connector
from ingest.connectors.registry import describe, get, names, register

__all__ = ["Collection", "Connector", "get", "names", "describe", "register"]
