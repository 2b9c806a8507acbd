"""A killed worker's message comes back and its node runs again, at whatever step the worker
died. The two steps a kill rarely hits by chance are set up here exactly: the node had already
registered its children, or it had ended the job's last node but not the job."""

from __future__ import annotations

import pytest

import ingest
from ingest import store
from ingest.fetching import Driver
from ingest.limits import Limiter
from ingest.tally import RedisTally
from ingest.nodes import node_documents
from ingest.tree import Tree
from tests.reliability.support import FAST

pytestmark = pytest.mark.stack


class RecordedPublish:
    def __init__(self) -> None:
        self.published: list[str] = []

    def __call__(self, job_id: str, node_id: str, queue: str, delay: float = 0.0, exact: bool = False) -> None:
        self.published.append(node_id)


def _driver(stack) -> tuple[Driver, RecordedPublish, Tree]:
    publish = RecordedPublish()
    tree = Tree(stack.db, RedisTally(stack.redis))
    return Driver(settings=stack.settings, db=stack.db, tree=tree, publish=publish, limiter=Limiter(stack.redis)), publish, tree


def _finished_pull(stack):
    job = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag="caturday", limit=80,
                      settings=stack.settings, **FAST)
    status = stack.wait(job, timeout=60)
    assert status["state"] == "completed" and status["total_nodes"] == 2
    nodes = {node["page"]: node for node in node_documents(stack.db, job.id)}
    return job, status, nodes


def _reopen(stack, job, node: dict) -> None:
    """As if the worker running this node died after registering its children, before ending
    it: the node running and not yet counted, the job running."""
    tally = RedisTally(stack.redis)
    assert tally.move(job.id, node["_id"], "running", ["done"], calls=-node["calls"],
                      totals={"records": -node["records"], "new_records": -node["new_records"]}).moved
    stack.db[store.OUTCOMES].delete_one({"_id": node["_id"]})
    stack.db[store.JOBS].update_one({"_id": job.id}, {"$set": {"state": "running", "finished": None}})


def test_a_node_run_again_after_registering_its_children_registers_no_new_ones(healthy_stack):
    stack = healthy_stack
    job, status, nodes = _finished_pull(stack)
    _reopen(stack, job, nodes[1])
    driver, publish, _ = _driver(stack)
    assert driver.run(job.id, nodes[1]["_id"], recovering=True).value == "done"
    assert stack.db[store.NODES].count_documents({"job": job.id}) == 2, "the page was registered twice"
    assert publish.published == [nodes[2]["_id"]], "the same child is published again, and no other"
    again = job.status()
    assert again["state"] == "completed"
    counted = ("calls", "records", "retries", "errors")
    assert {name: again["counts"][name] for name in counted} == {name: status["counts"][name] for name in counted}


def test_the_redelivered_last_node_ends_a_job_its_worker_left_running(healthy_stack):
    stack = healthy_stack
    job, status, nodes = _finished_pull(stack)
    stack.db[store.JOBS].update_one({"_id": job.id}, {"$set": {"state": "running", "finished": None}})
    driver, publish, tree = _driver(stack)
    assert driver.run(job.id, nodes[2]["_id"], recovering=False) is None
    assert job.status()["state"] == "running", "a message that is not a redelivery ends nothing"
    assert driver.run(job.id, nodes[2]["_id"], recovering=True) is None
    assert job.status()["state"] == "completed" and not publish.published
    assert tree.finished_in_store(job.id)
