"""The connectors, by name: ``get("mastodon")``, ``names()``, ``describe()``.

Each connector is pure request-building and response-parsing code; the contract is in
``ingest.connectors.base``.
"""

from __future__ import annotations

import difflib

from ingest.errors import UnknownSourceError
from ingest.connectors.base import Connector
from ingest.connectors.bluesky import BlueskyConnector
from ingest.connectors.hackernews import HackerNewsConnector
from ingest.connectors.mastodon import MastodonConnector
from ingest.connectors.reddit import RedditConnector
from ingest.connectors.rest import RestConnector

__all__ = ["Connector", "get", "names", "describe"]

_CONNECTORS: dict[str, Connector] = {
    connector.name: connector
    for connector in (MastodonConnector(), RedditConnector(), HackerNewsConnector(),
                      BlueskyConnector(), RestConnector())
}


def names() -> list[str]:
    """The registered source names, sorted."""
    return sorted(_CONNECTORS)


def get(name: str) -> Connector:
    """The connector registered as `name`; UnknownSourceError with a suggestion otherwise."""
    connector = _CONNECTORS.get(name)
    if connector is not None:
        return connector
    close = difflib.get_close_matches(str(name), names(), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownSourceError(f"No source named {name!r}.{hint} Available: {', '.join(names())}.")


def describe(name: str | None = None) -> str:
    """Parameter help of one source, or of every source."""
    chosen = [get(name)] if name is not None else [_CONNECTORS[n] for n in names()]
    return "\n\n".join(connector.describe() for connector in chosen)
