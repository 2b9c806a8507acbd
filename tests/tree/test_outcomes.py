"""A node's outcome is a document of its own, inserted when the node ends: ending a node
updates nothing in the store, and the store's view of a node is its document with its outcome
over it."""

from __future__ import annotations

import pytest

from ingest.storage import mongo
from ingest.connectors.base import Request
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.nodes import ended_node_ids, node_documents
from ingest.jobtree.states import NodeState
from ingest.jobtree.tree import Tree
from tests.command_log import watched_database


@pytest.fixture
def watched_tree(mongo_url, mongo_db, client):
    with watched_database(mongo_url, mongo_db.name) as (db, log):
        yield Tree(db, RedisTally(client, prefix="test:tally")), log


def pages(count: int) -> list[Request]:
    return [Request(kind="statuses", url=f"http://127.0.0.1:9/page/{n}", params={}, page=n) for n in range(1, count + 1)]


def test_ending_a_node_inserts_its_outcome_and_updates_nothing(watched_tree):
    tree, log = watched_tree
    first, second = tree.add("j", pages(2), parent=None)
    log.sent.clear()
    last = tree.finish("j", tree.claim("j", first), NodeState.DONE, calls=1, records=40, new_records=40,
                       watermark={"newest": "110"})
    assert not last
    assert [name for name, _ in log.sent] == ["insert"]
    assert not tree.finished_in_store("j")
    assert tree.finish("j", tree.claim("j", second), NodeState.FAILED, calls=1, error={"message": "HTTP 500"})
    assert tree.finished_in_store("j")
    by_id = {node["_id"]: node for node in node_documents(tree.db, "j")}
    assert (by_id[first]["state"], by_id[first]["records"], by_id[first]["calls"]) == ("done", 40, 1)
    assert by_id[second]["error"] == {"message": "HTTP 500"} and by_id[second]["request"]["page"] == 2
    assert [node["_id"] for node in node_documents(tree.db, "j", [NodeState.FAILED])] == [second]
    assert tree.db[mongo.NODES].count_documents({"job": "j", "state": "queued"}) == 2


def test_a_node_ended_twice_keeps_its_last_outcome(watched_tree):
    tree, _ = watched_tree
    (node_id,) = tree.add("j", pages(1), parent=None)
    node = tree.claim("j", node_id)
    tree.finish("j", node, NodeState.DONE, records=3)
    tree.finish("j", node, NodeState.DONE, records=5)
    (node,) = node_documents(tree.db, "j")
    assert node["records"] == 5


def test_a_requeued_node_loses_its_outcome_and_a_cancelled_one_gains_one(watched_tree):
    tree, _ = watched_tree
    failed, waiting = tree.add("j", pages(2), parent=None)
    tree.finish("j", tree.claim("j", failed), NodeState.FAILED, error={"message": "boom"})
    assert tree.requeue("j", [failed], [NodeState.FAILED]) == [failed]
    assert {node["state"] for node in node_documents(tree.db, "j")} == {"queued"}
    assert tree.cancel("j") == 2
    assert {node["state"] for node in node_documents(tree.db, "j")} == {"cancelled"}
    assert tree.finished_in_store("j")


def test_a_tally_lost_is_loaded_again_from_nodes_and_outcomes(watched_tree, client):
    tree, _ = watched_tree
    done, queued = tree.add("j", pages(2), parent=None)
    tree.finish("j", tree.claim("j", done), NodeState.DONE, calls=1, records=40, watermark={"newest": "1"})
    client.flushdb()
    assert tree.watermarks("j") == [{"newest": "1"}]
    counts = tree.counts("j")
    assert (counts.by_state["done"], counts.by_state["queued"], counts.totals["records"]) == (1, 1, 40)
    assert tree.claim("j", queued)["request"]["page"] == 2


def test_the_nodes_to_rerun_are_read_from_outcomes_alone(watched_tree):
    tree, log = watched_tree
    failed, done, queued = tree.add("j", pages(3), parent=None)
    tree.finish("j", tree.claim("j", failed), NodeState.FAILED, error={"message": "HTTP 500"})
    tree.finish("j", tree.claim("j", done), NodeState.DONE)
    log.sent.clear()
    assert ended_node_ids(tree.db, "j", [NodeState.FAILED, NodeState.CANCELLED]) == [failed]
    assert [command["find"] for command in log.named("find")] == [mongo.OUTCOMES]
    with pytest.raises(ValueError, match="only terminal states"):
        ended_node_ids(tree.db, "j", [NodeState.QUEUED])


def test_a_claimed_node_says_whether_its_job_is_cancelled_and_its_outcome_does_not_keep_it(watched_tree):
    tree, _ = watched_tree
    first, second = tree.add("j", pages(2), parent=None)
    assert tree.claim("j", first)["job_cancelled"] is False
    tree.tally.set_cancelled("j", True)
    node = tree.claim("j", second)
    assert node["job_cancelled"] is True
    tree.finish("j", node, NodeState.CANCELLED)
    assert all("job_cancelled" not in document for document in node_documents(tree.db, "j"))
