"""Ingest Workbench: pull social and REST API data into MongoDB from a notebook.

    import ingest
    job = ingest.pull("mastodon", base_url="https://mastodon.social", tag="python", limit=5000)
    job.wait()
"""

from ingest.errors import (
    ConfigError,
    FetchError,
    IngestError,
    ParameterError,
    StackError,
    UnknownJobError,
    UnknownSourceError,
    UsageError,
)
from ingest.api.catalog import sources
from ingest.api.jobs import Job, frame, job, jobs
from ingest.api.pull import pull
from ingest.jobtree.result_set import JobTree

__all__ = [
    "ConfigError",
    "FetchError",
    "IngestError",
    "Job",
    "JobTree",
    "ParameterError",
    "StackError",
    "UnknownJobError",
    "UnknownSourceError",
    "UsageError",
    "frame",
    "job",
    "jobs",
    "pull",
    "sources",
]
