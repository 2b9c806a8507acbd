"""A node counts two kinds of wait apart: a turn waited under our own limiter (`waits`, normal
pacing) and a call the API refused for its rate limit (`refusals`), whose share of the calls a
job's counts give."""

from __future__ import annotations

import pytest

from ingest.connectors.base import Request
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import NodeState
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.tree import Tree
from ingest.storage import mongo


@pytest.fixture
def tree(mongo_db, client):
    return Tree(mongo_db, RedisTally(client, prefix="test:tally"))


def pages(count: int) -> list[Request]:
    return [Request(kind="statuses", url=f"http://127.0.0.1:9/page/{n}", params={}, page=n) for n in range(1, count + 1)]


def test_a_node_the_api_refused_counts_one_refusal_and_no_wait(tree):
    (node_id,) = tree.add("j", pages(1), parent=None)
    tree.claim("j", node_id)
    tree.refused("j", node_id, calls=1)
    counts = tree.counts("j")
    assert counts.by_state["waiting"] == 1
    assert (counts.totals["calls"], counts.totals["refusals"], counts.totals["waits"]) == (1, 1, 0)
    claimed = tree.claim("j", node_id)
    assert (claimed["attempts"], claimed["refusals"], claimed["waits"], claimed["calls"]) == (1, 1, 0, 1)


def test_a_node_paced_twice_counts_two_waits_and_no_refusal_or_call(tree):
    (node_id,) = tree.add("j", pages(1), parent=None)
    for _ in range(2):
        tree.claim("j", node_id)
        tree.waited("j", node_id)
    counts = tree.counts("j")
    assert (counts.totals["waits"], counts.totals["refusals"], counts.totals["calls"]) == (2, 0, 0)
    assert counts.refusal_percent is None, "no call made: no share"
    claimed = tree.claim("j", node_id)
    assert (claimed["attempts"], claimed["waits"], claimed["refusals"]) == (1, 2, 0)


def test_the_refusals_share_is_refusals_over_calls(tree):
    refused, paced, plain = tree.add("j", pages(3), parent=None)
    tree.claim("j", refused)
    tree.refused("j", refused, calls=1)
    tree.claim("j", paced)
    tree.waited("j", paced)
    for node_id in (refused, paced, plain):
        tree.finish("j", tree.claim("j", node_id), NodeState.DONE, calls=1)
    counts = tree.counts("j")
    assert (counts.totals["calls"], counts.totals["waits"], counts.totals["refusals"]) == (4, 1, 1)
    assert counts.refusal_percent == 25.0


def test_outcomes_keep_both_counts_and_a_lost_tally_is_loaded_with_them(tree, client):
    refused, paced = tree.add("j", pages(2), parent=None)
    tree.claim("j", refused)
    tree.refused("j", refused, calls=1)
    tree.claim("j", paced)
    tree.waited("j", paced)
    for node_id in (refused, paced):
        tree.finish("j", tree.claim("j", node_id), NodeState.DONE, calls=1)
    by_id = {node["_id"]: node for node in node_documents(tree.db, "j")}
    assert (by_id[refused]["waits"], by_id[refused]["refusals"]) == (0, 1)
    assert (by_id[paced]["waits"], by_id[paced]["refusals"]) == (1, 0)
    client.flushdb()
    counts = tree.counts("j")
    assert (counts.totals["calls"], counts.totals["waits"], counts.totals["refusals"]) == (3, 1, 1)


def test_nodes_stored_before_waits_and_refusals_were_apart_count_their_throttles_as_waits(tree):
    ended, live = tree.add("j", pages(2), parent=None)
    tree.db[mongo.NODES].update_many({"job": "j"}, {"$unset": {"waits": "", "refusals": ""},
                                                    "$set": {"throttles": 0}})
    tree.db[mongo.NODES].update_one({"_id": live}, {"$set": {"throttles": 2}})
    tree.db[mongo.OUTCOMES].insert_one({"_id": ended, "job": "j", "state": "done", "attempts": 1, "throttles": 5,
                                        "calls": 6, "records": 10, "new_records": 10})
    by_id = {node["_id"]: node for node in node_documents(tree.db, "j")}
    assert (by_id[ended]["waits"], by_id[live]["waits"]) == (5, 2)
    assert "throttles" not in by_id[ended] and "refusals" not in by_id[ended]
    tree.tally.forget("j")
    counts = tree.counts("j")
    assert (counts.totals["waits"], counts.totals["refusals"], counts.totals["calls"]) == (7, 0, 6)
