"""The job's counts say what its listed errors and its frames say: each listed error names its
outcome (retried or failed), and a node run again does not count its records twice."""

from __future__ import annotations

import pytest

from ingest.connectors.base import Request
from ingest.jobtree.states import NodeState
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.tree import Tree


@pytest.fixture
def tree(mongo_db, client):
    return Tree(mongo_db, RedisTally(client, prefix="test:tally"))


def pages(count: int) -> list[Request]:
    return [Request(kind="statuses", url=f"http://127.0.0.1:9/page/{n}", params={}, page=n) for n in range(1, count + 1)]


def test_listed_errors_say_which_were_retried_and_which_failed_their_node(tree):
    first, second = tree.add("j", pages(2), parent=None)
    tree.retrying("j", tree.claim("j", first), {"message": "HTTP 503"}, calls=1)
    tree.finish("j", tree.claim("j", first, recovering=True), NodeState.DONE, calls=1, records=2)
    tree.finish("j", tree.claim("j", second), NodeState.FAILED, calls=1, error={"message": "HTTP 500"})
    listed = tree.recent_errors("j")
    counts = tree.counts("j")
    assert [(error["message"], error["outcome"]) for error in listed] == [("HTTP 500", "failed"), ("HTTP 503", "retried")]
    assert counts.totals["errors"] == sum(error["outcome"] == "failed" for error in listed) == 1
    assert counts.totals["retries"] == sum(error["outcome"] == "retried" for error in listed) == 1


def test_a_failed_node_queued_again_gives_back_the_records_it_counted(tree):
    done, failed = tree.add("j", pages(2), parent=None)
    tree.finish("j", tree.claim("j", done), NodeState.DONE, calls=1, records=5, new_records=5)
    tree.finish("j", tree.claim("j", failed), NodeState.FAILED, calls=1, records=3, new_records=3,
                error={"message": "refused"})
    assert tree.requeue("j", [failed], [NodeState.FAILED]) == [failed]
    assert (tree.counts("j").totals["records"], tree.counts("j").totals["new_records"]) == (5, 8)
    tree.finish("j", tree.claim("j", failed), NodeState.DONE, calls=1, records=4, new_records=1)
    assert (tree.counts("j").totals["records"], tree.counts("j").totals["new_records"]) == (9, 9)
