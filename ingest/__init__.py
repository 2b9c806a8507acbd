"""Ingest Workbench: pull social and REST API data into MongoDB from a notebook.

    import ingest
    job = ingest.pull("mastodon", base_url="https://mastodon.social", tag="python", limit=5000)
    job.wait()

Public names are imported on first use (PEP 562), so `import ingest` and the workers, which
import `ingest.*` modules, load no Celery, pymongo or pandas they do not use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.api.catalog import sources
    from ingest.api.estimate import Estimate, estimate
    from ingest.api.jobs import Job, frame, job, jobs
    from ingest import credentials
    from ingest.api.pull import pull
    from ingest.errors import (
        ConfigError, FetchError, IngestError, ParameterError, StackError, UnknownJobError, UnknownSourceError,
        UsageError,
    )
    from ingest.jobtree.result_set import JobTree

_HOMES = {
    "ConfigError": "ingest.errors",
    "FetchError": "ingest.errors",
    "IngestError": "ingest.errors",
    "ParameterError": "ingest.errors",
    "StackError": "ingest.errors",
    "UnknownJobError": "ingest.errors",
    "UnknownSourceError": "ingest.errors",
    "UsageError": "ingest.errors",
    "Estimate": "ingest.api.estimate",
    "estimate": "ingest.api.estimate",
    "Job": "ingest.api.jobs",
    "frame": "ingest.api.jobs",
    "job": "ingest.api.jobs",
    "jobs": "ingest.api.jobs",
    "pull": "ingest.api.pull",
    "sources": "ingest.api.catalog",
    "JobTree": "ingest.jobtree.result_set",
}

# Modules of the public surface: `ingest.credentials.add(...)`, `.list()`, `.check(...)`.
_MODULES = {"credentials": "ingest.credentials"}

__all__ = sorted(_HOMES) + sorted(_MODULES)


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
        globals()[name] = value
        return value
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
