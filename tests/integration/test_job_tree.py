"""`JobTree`, a job's growing tree as a Celery ResultSet, against the running stack."""

from __future__ import annotations

import time

import pytest

import ingest
from ingest.jobtree.states import JobState
from tests.sandbox_admin import SandboxAdmin

pytestmark = pytest.mark.stack


def test_the_job_tree_is_ready_only_when_every_node_ended_and_holds_each_nodes_result(settings):
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=5, settings=settings,
                      limits={"requests": 2, "window": 1.0})
    tree = job.tree()
    assert not tree.ready() and tree.waiting()
    assert tree.join(timeout=120, interval=0.2) is JobState.COMPLETED
    status = job.status()
    assert tree.ready() and tree.successful() and not tree.failed()
    assert tree.completed_count() == len(tree) == status["total_nodes"] == 6  # the list, then 5 items
    # Nodes refused a permit ran more than once; only the run that ended each stores a result,
    # the last one just after it ended the job.
    deadline = time.monotonic() + 10.0
    while sorted(result.result for result in tree.results) != ["done"] * 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(result.result for result in tree.results) == ["done"] * 6


def test_joining_a_job_that_does_not_end_in_time_raises(settings):
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=5, settings=settings,
                      limits={"requests": 1, "window": 2.0})
    with pytest.raises(TimeoutError, match=job.id):
        job.tree().join(timeout=0.5, interval=0.1)
    job.cancel()


def test_a_rerun_node_reports_its_new_outcome(settings):
    sandbox = SandboxAdmin(settings.sandbox_url)
    sandbox.scenario({"apis": {"hn": {"errors": {"404": 1.0}, "fault_routes": ["/v0/item/"]}}})
    try:
        job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=1,
                          settings=settings, limits={"requests": 1000, "window": 10.0})
        assert job.tree().join(timeout=120, interval=0.2) is JobState.COMPLETED_WITH_ERRORS
    finally:
        sandbox.reset()
    assert sorted(_settled(result) for result in job.tree().results) == ["done", "failed"]
    assert job.rerun() == 1
    assert job.tree().join(timeout=120, interval=0.2) is JobState.COMPLETED
    assert sorted(_settled(result) for result in job.tree().results) == ["done", "done"]


def _settled(result, seconds: float = 10.0):
    """The result of a node's run that ended it, which lands just after the job reads as ended."""
    deadline = time.monotonic() + seconds
    while not result.ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    return result.result
