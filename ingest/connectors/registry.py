"""Every source in one place: the module that defines a connector registers it, and the queues,
the indexes, the frames and the stack's worker pools read what it declared.

    register(MyConnector())    # at the bottom of the connector's own module

A connector declares its `name`, its `queue` (``ingest.<family>``; each queue gets a pool of
workers) and its `collections` (`Collection`: name, indexes, epoch-time fields). The built-in
connectors register when `ingest.connectors` is imported. On first use the registry also
imports the modules named in INGEST_SOURCES (comma-separated, see `ingest.settings`), then those
of the `ingest.sources` entry points of installed packages: importing a module registers the
sources it defines. The notebook's process and every worker do the same, so with the same
environment they know the same sources.
"""

from __future__ import annotations

import difflib
import importlib
import re
import threading
from importlib.metadata import entry_points

from ingest.connectors.base import Collection, Connector
from ingest.errors import ConfigError, UnknownSourceError
from ingest.settings import Settings

ENTRY_POINT_GROUP = "ingest.sources"
SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*")
QUEUE_NAME = re.compile(r"ingest\.[a-z][a-z0-9_]*")
RESERVED_FAMILIES = ("default", "dead")
COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_connectors: dict[str, Connector] = {}
_lock = threading.RLock()
_loaded = False
_loading = False


def register(connector: Connector) -> Connector:
    """Make `connector` pullable under its name; ConfigError naming the fix when its declaration
    is wrong or another source has its name or one of its collections."""
    origin = type(connector).__module__
    problem = _declaration_problem(connector)
    if problem:
        raise ConfigError(f"cannot register the source of {origin}: {problem}")
    with _lock:
        earlier = _connectors.get(connector.name)
        if earlier is not None and _defined_by(earlier) != _defined_by(connector):
            raise ConfigError(f"source {connector.name!r} is registered twice, by {_defined_by(earlier)} "
                              f"and by {_defined_by(connector)}; rename one of them")
        for collection in connector.collections:
            owner = _owner_of(collection.name)
            if owner is not None and owner.name != connector.name:
                raise ConfigError(f"source {connector.name!r} declares the collection {collection.name!r} of "
                                  f"source {owner.name!r}; give it a collection of its own")
        _connectors[connector.name] = connector
    return connector


def unregister(name: str) -> None:
    """Forget the source `name` (a test's source, once the test is over)."""
    with _lock:
        _connectors.pop(name, None)


def names() -> list[str]:
    """The registered source names, sorted."""
    return sorted(_registered())


def get(name: str) -> Connector:
    """The connector registered as `name`; UnknownSourceError with a suggestion otherwise."""
    connector = _registered().get(name)
    if connector is not None:
        return connector
    close = difflib.get_close_matches(str(name), names(), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownSourceError(f"No source named {name!r}.{hint} Available: {', '.join(names())}.")


def describe(name: str | None = None) -> str:
    """Parameter help of one source, or of every source."""
    chosen = [get(name)] if name is not None else [get(n) for n in names()]
    return "\n\n".join(connector.describe() for connector in chosen)


def queues() -> tuple[str, ...]:
    """The sources' queues, in the order they were registered."""
    return tuple(dict.fromkeys(connector.queue for connector in _registered().values()))


def collections() -> tuple[Collection, ...]:
    """Every record collection a source declares, in the order they were registered."""
    return tuple(collection for connector in _registered().values() for collection in connector.collections)


def epoch_fields(collection: str) -> frozenset[str]:
    """The fields of `collection` that hold Unix epoch seconds; none for an undeclared one."""
    for declared in collections():
        if declared.name == collection:
            return declared.epoch_fields
    return frozenset()


def _registered() -> dict[str, Connector]:
    _load()
    return _connectors


def _load() -> None:
    """Import the sources named outside the package, once per process."""
    global _loaded, _loading
    if _loaded:
        return
    with _lock:
        if _loaded or _loading:  # loading: this thread is importing them now
            return
        _loading = True
        try:
            for module in Settings.from_env().sources:
                _import(module, "INGEST_SOURCES")
            for point in entry_points(group=ENTRY_POINT_GROUP):
                _import(point.module, f"the entry point {point.name!r} of the group {ENTRY_POINT_GROUP!r}")
            _loaded = True
        finally:
            _loading = False


def _import(module: str, origin: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise ConfigError(f"{origin} names the module {module!r}, which cannot be imported ({error}); fix the "
                          "name, or make it importable (install its package, or add its directory to "
                          "PYTHONPATH)") from None


def _declaration_problem(connector: Connector) -> str | None:
    if not isinstance(connector, Connector):
        return f"{connector!r} is not an instance of ingest.connectors.base.Connector"
    name, queue = getattr(connector, "name", None), getattr(connector, "queue", None)
    if not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
        return f"name={name!r} must be lower-case letters, digits and '_', starting with a letter"
    if (not isinstance(queue, str) or not QUEUE_NAME.fullmatch(queue)
            or queue.removeprefix("ingest.") in RESERVED_FAMILIES):
        return (f"queue={queue!r} must be 'ingest.<family>' (lower-case letters, digits and '_'; not "
                f"{' or '.join(RESERVED_FAMILIES)}), e.g. 'ingest.{name}'")
    declared = getattr(connector, "collections", None)
    if not isinstance(declared, tuple) or not declared or not all(isinstance(c, Collection) for c in declared):
        return "collections must be a non-empty tuple of ingest.connectors.base.Collection, main collection first"
    for collection in declared:
        if not COLLECTION_NAME.fullmatch(collection.name):
            return f"collection name {collection.name!r} must be letters, digits and '_'"
        if not all(isinstance(index, tuple) and index and all(isinstance(f, str) and f for f in index)
                   for index in collection.indexes):
            return (f"{collection.name}: indexes must be tuples of field names, "
                    "e.g. (('author',), ('lang', 'time'))")
        if not isinstance(collection.epoch_fields, frozenset):
            return f"{collection.name}: epoch_fields must be a frozenset of field names, e.g. frozenset({{'time'}})"
    return None


def _owner_of(collection: str) -> Connector | None:
    for connector in _connectors.values():
        if any(declared.name == collection for declared in connector.collections):
            return connector
    return None


def _defined_by(connector: Connector) -> str:
    return f"{type(connector).__module__}.{type(connector).__qualname__}"
