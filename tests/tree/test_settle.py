"""Ending a job through `settle_job` against a real tally and store: a worker's step ends it at
once, a status read ends one whose tally missed the last steps, from the store."""

from __future__ import annotations

import pytest

from ingest.connectors.base import Request
from ingest.jobtree.completion import STALLED_AFTER, settle_job
from ingest.jobtree.nodes import now_utc
from ingest.jobtree.states import JobState, NodeState
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.tree import Tree
from ingest.storage import mongo


@pytest.fixture
def tree(mongo_db, client):
    mongo_db[mongo.JOBS].insert_one({"_id": "j", "source": "mastodon", "spec": {}, "state": JobState.RUNNING.value,
                                     "created": now_utc(), "finished": None})
    return Tree(mongo_db, RedisTally(client, prefix="test:tally"))


def pages(count: int) -> list[Request]:
    return [Request(kind="statuses", url=f"http://127.0.0.1:9/page/{n}", params={}, page=n) for n in range(1, count + 1)]


def job_state(tree: Tree) -> str:
    return tree.db[mongo.JOBS].find_one({"_id": "j"})["state"]


def test_a_worker_ends_the_job_its_step_left_with_no_live_node(tree):
    first, second = tree.add("j", pages(2), parent=None)
    tree.finish("j", tree.claim("j", first), NodeState.DONE)
    assert settle_job(tree.jobs, tree, "j", tree.counts("j")) is None
    assert tree.finish("j", tree.claim("j", second), NodeState.FAILED, error={"message": "HTTP 500"})
    assert settle_job(tree.jobs, tree, "j", tree.counts("j")) is JobState.COMPLETED_WITH_ERRORS
    assert job_state(tree) == JobState.COMPLETED_WITH_ERRORS.value
    assert settle_job(tree.jobs, tree, "j", tree.counts("j")) is None, "a job ends once"


def test_a_status_read_ends_a_job_whose_tally_missed_its_last_step_once_the_tally_is_quiet(tree):
    (node_id,) = tree.add("j", pages(1), parent=None)
    tree.finish("j", tree.claim("j", node_id), NodeState.FAILED, error={"message": "HTTP 500"})
    tree.tally.move("j", node_id, NodeState.RUNNING.value, [NodeState.FAILED.value])  # the step the tally lost
    stuck = tree.counts("j")
    assert stuck.live == 1
    assert settle_job(tree.jobs, tree, "j", stuck, now=stuck.changed + STALLED_AFTER - 1.0) is None
    assert job_state(tree) == JobState.RUNNING.value
    assert settle_job(tree.jobs, tree, "j", stuck, now=stuck.changed + STALLED_AFTER + 1.0) \
        is JobState.COMPLETED_WITH_ERRORS
    assert tree.counts("j").live == 0, "the tally is loaded again from the store"
