"""The API misbehaves: an outage, errors that no retry can fix, errors that last until they are
fixed (then `job.rerun()`), and answers that are odd or broken. Transient trouble costs retries
with jittered exponential backoff, never records; a broken answer fails its own node with a
clear error and nothing else is lost."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

import ingest
from ingest.storage.escaping import unescape
from ingest.pipeline.retry import ExponentialJitterBackoff
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import NodeState
from sandbox.payloads import ODD_KEYS
from tests.reliability.support import FAST, HN_TOP, report

pytestmark = pytest.mark.stack

BACKOFF_SLACK = 3.0  # seconds of queueing and pipeline time on top of a computed backoff


def _mastodon(stack, tag: str, limit: int):
    job = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag=tag, limit=limit,
                      settings=stack.settings, **FAST)
    host = stack.settings.sandbox_url.split("://", 1)[1]
    truth = stack.sandbox.truth(f"/mastodon/api/v1/timelines/tag/{tag}")[:limit]
    return job, [f"{host}:{item}" for item in truth]


def _hackernews(stack, limit: int):
    job = ingest.pull("hackernews", base_url=stack.settings.sandbox_url + "/hn", list="top", limit=limit,
                      settings=stack.settings, **FAST)
    return job, stack.sandbox.truth(HN_TOP)[:limit]


def _failed_items(stack, job) -> dict[str, dict]:
    nodes = node_documents(stack.db, job.id, [NodeState.FAILED])
    return {re.search(r"/item/(\d+)\.json", node["request"]["url"]).group(1): node for node in nodes}


def test_an_outage_shorter_than_the_retry_window_fails_no_node(healthy_stack):
    stack = healthy_stack
    backoff = ExponentialJitterBackoff()
    outage = 6.0  # the retry window is at least 0.5 + 1 + 2 + 4 = 7.5 s
    slow = {"latency": {"fixed": 0.3}}
    stack.sandbox.scenario({"apis": {"mastodon": slow}})
    job, expected = _mastodon(stack, "news", limit=400)
    stack.wait_until(job, lambda s: s["counts"]["calls"] >= 2, what="two pages fetched")
    stack.sandbox.scenario({"apis": {"mastodon": {**slow, "outages": [{"start": 0.0, "end": outage, "status": 502}]}}})
    assert job.status()["state"] == "running", "the job ended before the outage"
    status = stack.wait(job, timeout=120)
    outcome = stack.assert_exact(job, status, "mastodon_statuses", expected)
    assert stack.sandbox.counters()["faults"]["mastodon"]["outage"] >= 2

    by_path = defaultdict(list)
    for call in stack.sandbox.requests("mastodon"):
        by_path[call["path"]].append(call)
    calls = sorted(max(by_path.values(), key=len), key=lambda call: call["at"])
    assert [call["status"] for call in calls][-1] == "200"
    assert len(calls) >= 4, "the page should have been tried at least three times during the outage"
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(calls, calls[1:])]
    for attempt, gap in enumerate(gaps, start=1):
        ceiling = backoff.ceiling(attempt)
        assert ceiling / 2 - 0.05 <= gap <= ceiling + BACKOFF_SLACK, f"retry {attempt} came after {gap:.2f} s"
    report("test_an_outage_shorter_than_the_retry_window_fails_no_node", f"API outage {outage:g} s (502)",
           outcome, f"one page retried {len(gaps)}x, gaps {', '.join(f'{gap:.1f}' for gap in gaps)} s, 0 failed")


@pytest.mark.parametrize("status_code", [401, 403, 404])
def test_a_permanent_error_fails_fast_with_one_call(healthy_stack, status_code):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"mastodon": {"errors": {str(status_code): 1.0}}}})
    job, _ = _mastodon(stack, "python", limit=40)
    status = stack.wait(job, timeout=60)
    assert status["state"] == "completed_with_errors" and status["nodes"]["failed"] == 1
    (failed,) = node_documents(stack.db, job.id, [NodeState.FAILED])
    assert failed["attempts"] == 1 and failed["retries"] == 0
    assert failed["error"]["kind"] == "permanent" and failed["error"]["status"] == status_code
    assert f"HTTP {status_code}" in failed["error"]["message"]
    assert stack.sandbox.counters()["by_api"]["mastodon"] == 1


def test_rerun_after_a_lasting_fault_completes_the_job(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"errors": {"500": 1.0}, "fault_routes": ["/v0/item/"]}}})
    job, expected = _hackernews(stack, limit=4)
    status = stack.wait(job, timeout=120)
    assert status["state"] == "completed_with_errors" and status["nodes"]["failed"] == 4
    assert all(node["attempts"] == 5 for node in _failed_items(stack, job).values())
    stack.sandbox.scenario({})
    assert job.rerun() == 4
    status = stack.wait(job, timeout=60)
    outcome = stack.assert_exact(job, status, "hn_items", expected)
    report("test_rerun_after_a_lasting_fault_completes_the_job", "HTTP 500 on every item until fixed",
           outcome, "4 nodes failed after 5 attempts; rerun completed the job")


@pytest.mark.parametrize("kind", ["html_200", "truncated"])
def test_a_broken_answer_fails_its_own_node_and_nothing_else_is_lost(healthy_stack, kind):
    stack = healthy_stack
    stack.sandbox.scenario({"fault_seed": 5, "apis": {"hn": {"malformed": {kind: 0.3}, "fault_routes": ["/v0/item/"]}}})
    job, expected = _hackernews(stack, limit=30)
    status = stack.wait(job, timeout=120)
    failed = _failed_items(stack, job)
    assert status["state"] == "completed_with_errors" and failed
    for node in failed.values():
        assert node["error"]["kind"] == "malformed" and node["attempts"] == 1
        assert "JSON" in node["error"]["message"] or "content type" in node["error"]["message"]
    stored = job.record_ids("hn_items")
    assert sorted(stored + list(failed)) == sorted(expected), "a record was lost beyond the broken answers"
    report(f"test_a_broken_answer_fails_its_own_node_and_nothing_else_is_lost[{kind}]", kind,
           stack.outcome(job, status, "hn_items", [item for item in expected if item not in failed]),
           f"{len(failed)} of 30 item nodes failed (malformed, 1 attempt), the rest stored")


def test_bytes_that_are_not_utf8_are_stored_replaced(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"mastodon": {"malformed": {"non_utf8": 1.0}}}})
    job, expected = _mastodon(stack, "linux", limit=120)
    status = stack.wait(job, timeout=60)
    outcome = stack.assert_exact(job, status, "mastodon_statuses", expected)
    first = stack.db["mastodon_statuses"].find_one({"_id": expected[0]})
    assert "caf\ufffd " in repr(first)
    report("test_bytes_that_are_not_utf8_are_stored_replaced", "Latin-1 byte in a JSON string", outcome,
           "stored, the bad byte as U+FFFD")


def test_a_huge_page_is_stored(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"mastodon": {"payloads": {"huge": 1.0, "huge_bytes": 100_000}}}})
    job, expected = _mastodon(stack, "books", limit=80)
    status = stack.wait(job, timeout=120)
    outcome = stack.assert_exact(job, status, "mastodon_statuses", expected)
    assert len(stack.db["mastodon_statuses"].find_one({"_id": expected[-1]})["padding"]) == 100_000
    # Updates by _id scan the whole collection on FerretDB: later tests should not pay for these.
    stack.db["mastodon_statuses"].delete_many({"_id": {"$in": expected}})
    report("test_a_huge_page_is_stored", "pages of 4 MB (40 x 100 kB)", outcome, "stored")


def test_a_record_over_the_store_limit_fails_its_node_clearly(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"payloads": {"huge": 1.0, "huge_bytes": 17_000_000},
                                            "fault_routes": ["/v0/item/"]}}})
    job, expected = _hackernews(stack, limit=2)
    status = stack.wait(job, timeout=120)
    failed = _failed_items(stack, job)
    assert status["state"] == "completed_with_errors" and sorted(failed) == sorted(expected)
    for node in failed.values():
        assert node["error"]["kind"] == "refused" and node["attempts"] == 1
        assert "the document store refused 1 record(s)" in node["error"]["message"]
        assert "too large" in node["error"]["message"]
    assert status["nodes"]["done"] == 1, "the list node stores its page"
    report("test_a_record_over_the_store_limit_fails_its_node_clearly", "records of 17 MB (store limit 16 MB)",
           stack.outcome(job, status, "hn_items", []), "both item nodes failed: refused, BSON document too large")


def test_keys_with_dollars_and_dots_round_trip(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"payloads": {"odd_keys": 1.0}, "fault_routes": ["/v0/item/"]}}})
    job, expected = _hackernews(stack, limit=5)
    status = stack.wait(job, timeout=60)
    outcome = stack.assert_exact(job, status, "hn_items", expected)
    for document in stack.db["hn_items"].find({"_id": {"$in": expected}}):
        assert "%24where" in document and "a%2Eb" in document and "%5Fid" in document
        original = unescape({key: value for key, value in document.items() if key not in ("_id", "_ingest")})
        assert {key: original[key] for key in ODD_KEYS} == ODD_KEYS
    report("test_keys_with_dollars_and_dots_round_trip", "keys $where, a.b, %2E, _id", outcome,
           "stored escaped, unescaped back exactly")


def test_very_deep_nesting_is_stored_or_refused_clearly(healthy_stack):
    stack = healthy_stack
    levels = 150
    stack.sandbox.scenario({"apis": {"hn": {"payloads": {"deep": 1.0, "deep_levels": levels},
                                            "fault_routes": ["/v0/item/"]}}})
    job, expected = _hackernews(stack, limit=5)
    status = stack.wait(job, timeout=60)
    failed = _failed_items(stack, job)
    stored = job.record_ids("hn_items")
    assert status["state"] in ("completed", "completed_with_errors")
    assert sorted(stored + list(failed)) == sorted(expected)
    for node in failed.values():
        assert node["error"]["kind"] == "refused" and "refused 1 record(s)" in node["error"]["message"]
    for document in stack.db["hn_items"].find({"_id": {"$in": stored}}):
        value, depth = document["deep"], 1
        while "bottom" not in value:
            (value,) = value.values()
            depth += 1
        assert depth == levels
    report("test_very_deep_nesting_is_stored_or_refused_clearly", f"objects nested {levels} deep",
           stack.outcome(job, status, "hn_items", [item for item in expected if item not in failed]),
           f"{len(stored)} stored whole, {len(failed)} refused with a clear node error")
