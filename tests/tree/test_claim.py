"""Claiming a node: the tally hands the worker what it needs to run it, so a claim reads
nothing from the store, unless the tally has no copy (the node ended and was reopened, the
tally was reloaded, or the request holds what JSON cannot give back)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest.storage import mongo
from ingest.connectors.base import Request
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.states import NodeState
from ingest.jobtree.tree import Tree
from tests.command_log import watched_database

FIELDS = ("_id", "job", "parent", "kind", "depth", "page", "request")


@pytest.fixture
def watched_tree(mongo_url, mongo_db, client):
    with watched_database(mongo_url, mongo_db.name) as (db, log):
        yield Tree(db, RedisTally(client, prefix="test:tally")), log


def request(page: int = 1, **context) -> Request:
    return Request(kind="statuses", url="http://127.0.0.1:9/api/v1/timelines/tag/python",
                   params={"limit": "40"}, page=page, target=None, context=context)


def stored(tree: Tree, node_id: str) -> dict:
    node = tree.db[mongo.NODES].find_one({"_id": node_id})
    return {name: node[name] for name in FIELDS}


def test_a_claim_reads_no_node_from_the_store_and_gets_what_the_store_holds(watched_tree):
    tree, log = watched_tree
    (root,) = tree.add("j", [request(1, max_id="110")], parent=None)
    (child,) = tree.add("j", [request(2, max_id="90")], parent=root)
    log.sent.clear()
    claimed = tree.claim("j", child)
    assert [name for name, _ in log.sent] == []
    assert {name: claimed[name] for name in FIELDS} == stored(tree, child)
    assert Request.from_dict(claimed["request"]) == request(2, max_id="90")
    assert claimed["attempts"] == 1


def test_a_node_claimed_again_after_it_ended_is_read_from_the_store(watched_tree):
    tree, log = watched_tree
    (root,) = tree.add("j", [request()], parent=None)
    tree.finish("j", tree.claim("j", root), NodeState.FAILED, error={"message": "boom"})
    assert tree.requeue("j", [root], [NodeState.FAILED]) == [root]
    log.sent.clear()
    claimed = tree.claim("j", root)
    assert [name for name, _ in log.sent] == ["find"]
    assert {name: claimed[name] for name in FIELDS} == stored(tree, root)


def test_a_request_json_cannot_carry_is_read_from_the_store(watched_tree):
    tree, log = watched_tree
    seen = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    (root,) = tree.add("j", [request(1, seen=seen)], parent=None)
    log.sent.clear()
    claimed = tree.claim("j", root)
    assert [name for name, _ in log.sent] == ["find"]
    assert claimed["request"]["context"]["seen"] == seen


def test_nodes_added_waiting_are_claimed_with_their_wait_and_flags_must_match_the_requests(watched_tree):
    tree, _ = watched_tree
    (root,) = tree.add("j", [request()], parent=None)
    with pytest.raises(ValueError, match="1 waiting flags for 2 requests"):
        tree.add("j", [request(2), request(3)], parent=root, waiting=[True])
    assert tree.counts("j").by_state["queued"] == 1
    waiting, queued = tree.add("j", [request(2), request(3)], parent=root, waiting=[True, False])
    counts = tree.counts("j").by_state
    assert (counts["queued"], counts["waiting"]) == (2, 1)
    claimed_waiting, claimed_queued = tree.claim("j", waiting), tree.claim("j", queued)
    assert (claimed_waiting["waits"], claimed_queued["waits"]) == (1, 0)
    assert (claimed_waiting["refusals"], claimed_queued["refusals"]) == (0, 0)
