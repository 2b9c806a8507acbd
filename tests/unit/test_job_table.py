"""The latest jobs as a DataFrame: its columns and types, the spec in short, and the reads it
takes (two, whatever the number of jobs)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from ingest.api import job_table
from ingest.api.jobs import checked_name
from ingest.errors import ParameterError
from ingest.jobtree.states import JobCounts, NodeState

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _counts(done: int, failed: int = 0, **totals) -> JobCounts:
    by_state = {state.value: 0 for state in NodeState}
    by_state.update({"done": done, "failed": failed})
    return JobCounts(by_state, {}, {"records": 0, "calls": 0, "waits": 0, "refusals": 0, "errors": failed, **totals},
                     None)


class FakeDocuments:
    def __init__(self, documents):
        self.documents = documents
        self.reads = []

    def newest(self, where, limit, fields):
        self.reads.append((where, limit))
        return self.documents[:limit]


class FakeTree:
    def __init__(self, counts):
        self.counts = counts
        self.reads = []

    def counts_of(self, job_ids):
        self.reads.append(list(job_ids))
        return [self.counts[job_id] for job_id in job_ids]


class FakeStack:
    def __init__(self, documents, counts):
        self.jobs, self.tree = FakeDocuments(documents), FakeTree(counts)


def _document(job_id: str, source: str, spec: dict, name: str | None = None, state: str = "completed") -> dict:
    return {"_id": job_id, "name": name, "source": source, "state": state, "created": CREATED,
            "finished": CREATED, "spec": spec}


def test_every_job_is_a_row_with_its_counts_read_in_one_batch():
    stack = FakeStack(
        [_document("hackernews-2", "hackernews", {"list": "new", "limit": 12}, name="week-22"),
         _document("mastodon-1", "mastodon", {"tag": "python"}, state="completed_with_errors")],
        {"hackernews-2": _counts(13, records=12, calls=13, waits=4), "mastodon-1": _counts(2, failed=1, calls=3)})
    table = job_table.jobs_table(stack, {"source": "hackernews"}, 20)
    assert list(table.columns) == ["id", "name", "source", "state", "created", "finished", "nodes", "records", "calls",
                                   "waits", "refusals", "errors", "spec"]
    assert table["id"].tolist() == ["hackernews-2", "mastodon-1"]
    assert table["name"].iloc[0] == "week-22" and pd.isna(table["name"].iloc[1])
    assert table[["nodes", "records", "calls", "errors"]].values.tolist() == [[13, 12, 13, 0], [3, 0, 3, 1]]
    assert str(table["created"].dt.tz) == "UTC" and str(table["records"].dtype) == "int64"
    assert stack.tree.reads == [["hackernews-2", "mastodon-1"]] and stack.jobs.reads == [({"source": "hackernews"}, 20)]


def test_no_job_is_an_empty_table_with_the_columns():
    table = job_table.jobs_table(FakeStack([], {}), {}, 20)
    assert table.empty and list(table.columns) == list(job_table.COLUMNS)


def test_the_spec_in_short_shows_what_was_set_apart_from_the_defaults():
    spec = {"base_url": "https://hacker-news.firebaseio.com", "limit": 12, "since": None, "list": "new",
            "items": None, "with_users": False}
    assert job_table.spec_text("hackernews", spec) == "limit=12, list='new'"
    elsewhere = job_table.spec_text("hackernews", {**spec, "base_url": "http://127.0.0.1:17603/hn"})
    assert elsewhere == "limit=12, list='new', base_url='http://127.0.0.1:17603/hn'"
    assert job_table.spec_text("rest", {"preset": "github_issues", "definition": {"name": "github_issues"},
                                        "owner": "psf"}) == "preset='github_issues', owner='psf'"
    long = job_table.spec_text("hackernews", {"items": list(range(100))})
    assert len(long) == job_table.SPEC_TEXT_WIDTH and long.endswith("…")


@pytest.mark.parametrize("name", ["", "   ", 5, None, ["a"]])
def test_a_job_name_is_a_non_empty_string(name):
    with pytest.raises(ParameterError, match=r"name=.* must be a non-empty string, e.g. name='python-week-22'"):
        checked_name(name)


def test_a_job_name_is_kept_without_surrounding_spaces():
    assert checked_name("  week 22 ") == "week 22"


def test_the_table_is_a_frame_a_notebook_can_filter():
    stack = FakeStack([_document("hackernews-2", "hackernews", {}, name="a")], {"hackernews-2": _counts(1)})
    table = job_table.jobs_table(stack, {}, 5)
    assert isinstance(table, pd.DataFrame) and table[table["name"] == "a"]["id"].tolist() == ["hackernews-2"]
