"""The errors a snapshot lists say which failed a node (the totals' errors) and which were
retried (the totals' retries)."""

from ingest.jobtree.states import JobCounts
from ingest.view.html import errors_table_html
from ingest.view.snapshot import take_snapshot

JOB = {"_id": "hackernews-abc", "source": "hackernews", "state": "completed_with_errors", "created": None,
       "finished": None}
ERRORS = [{"node": "n2", "kind": "permanent", "status": 404, "message": "HTTP 404", "outcome": "failed"},
          {"node": "n1", "kind": "transient", "status": 503, "message": "HTTP 503", "outcome": "retried"}]


def snapshot(errors=ERRORS):
    counts = JobCounts({"done": 1, "failed": 1}, {}, {"records": 7, "new_records": 7, "retries": 1, "errors": 1}, None)
    return take_snapshot(JOB, counts, errors, [], None)


def test_the_heading_counts_failed_nodes_and_retried_attempts_as_the_totals_do():
    lines = snapshot().as_text().splitlines()
    assert lines[-5].endswith("retries 1 · errors 1")
    assert lines[-3] == "recent errors (2): 1 failed node, 1 retried attempt:"
    assert lines[-2].split()[1:3] == ["permanent", "404"]
    assert lines[-1].split()[1:4] == ["transient", "(retried)", "503"]


def test_errors_noted_before_outcomes_were_kept_keep_the_plain_heading():
    old = [{key: value for key, value in error.items() if key != "outcome"} for error in ERRORS]
    assert snapshot(old).errors_heading() == "recent errors (2):"


def test_the_notebook_table_marks_a_retried_error():
    html = errors_table_html(snapshot().errors)
    assert "transient (retried)" in html and "permanent (retried)" not in html
