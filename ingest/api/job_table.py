"""The latest jobs as one DataFrame: a row per job, newest first.

Two reads whatever the number of jobs: their documents from the store, and their counts from
the tally in one round trip. A running job whose last step was cut short is ended on the way,
as `Job.status()` does.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from ingest import connectors
from ingest.errors import UnknownSourceError
from ingest.jobtree.completion import settle_job
from ingest.jobtree.states import JobCounts, JobState
from ingest.runtime import Runtime

COLUMNS = ("id", "name", "source", "state", "created", "finished", "nodes", "records", "calls", "waits",
           "refusals", "errors", "spec")
COUNTED = ("records", "calls", "waits", "refusals", "errors")
DOCUMENT_FIELDS = ["name", "source", "state", "created", "finished", "spec"]
SPEC_TEXT_WIDTH = 80


def jobs_table(stack: Runtime, where: dict[str, Any], limit: int) -> pd.DataFrame:
    documents = stack.jobs.newest(where, limit, DOCUMENT_FIELDS)
    counts = stack.tree.counts_of([document["_id"] for document in documents])
    rows = [_row(*_settled(stack, document, job_counts)) for document, job_counts in zip(documents, counts)]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("created", "finished"):
        table[column] = pd.to_datetime(table[column], utc=True)
    for column in ("nodes", *COUNTED):
        table[column] = table[column].astype("int64")
    return table


def _settled(stack: Runtime, document: dict, counts: JobCounts) -> tuple[dict, JobCounts]:
    """The job's document and counts, after ending it if its last step was cut short."""
    job_id = document["_id"]
    if (document["state"] == JobState.RUNNING.value
            and settle_job(stack.jobs, stack.tree, job_id, counts, now=time.time()) is not None):
        return stack.jobs.get(job_id, DOCUMENT_FIELDS) or document, stack.tree.counts(job_id)
    return document, counts


def _row(document: dict, counts: JobCounts) -> dict:
    return {
        "id": document["_id"], "name": document.get("name"), "source": document["source"],
        "state": document["state"], "created": document["created"], "finished": document.get("finished"),
        "nodes": sum(counts.by_state.values()), **{name: counts.totals.get(name, 0) for name in COUNTED},
        "spec": spec_text(document["source"], document.get("spec") or {}),
    }


def spec_text(source: str, spec: dict, width: int = SPEC_TEXT_WIDTH) -> str:
    """The parameters a pull set apart from their defaults, as keyword arguments, `base_url`
    last, cut to `width`: "tag='python', limit=500"."""
    try:
        defaults = {param.name: param.default for param in connectors.get(source).params}
    except UnknownSourceError:
        defaults = {}
    shown = []
    for name, value in sorted(spec.items(), key=lambda item: item[0] == "base_url"):
        if name in defaults and value == defaults[name]:
            continue
        if name == "definition" and isinstance(value, dict):
            if spec.get("preset"):
                continue
            value = value.get("name")
        shown.append(f"{name}={value!r}")
    text = ", ".join(shown)
    return text if len(text) <= width else text[:width - 1] + "…"
