"""Pulls end to end through the real stack (RabbitMQ, workers, Redis, the document store)
against the sandbox over HTTP: the stored records are exactly the sandbox's ground truth for
the query, with no duplicates, and the sandbox counted one call per page needed and no more."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

import ingest
from ingest import credentials
from ingest.storage import mongo, record_writes
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import NodeState
from tests.sandbox_admin import SandboxAdmin
from tests.running_stack import FAST

pytestmark = pytest.mark.stack

REDDIT_CREDENTIAL = "sandbox-reddit"


@pytest.fixture()
def sandbox(settings):
    """The reset sandbox, with the Reddit credential these tests pull with saved."""
    client = SandboxAdmin(settings.sandbox_url)
    client.reset()
    credentials.save(REDDIT_CREDENTIAL, "sandbox-token-0001", settings)
    yield client
    client.reset()


@dataclass(frozen=True)
class Case:
    source: str
    api: str
    prefix: str
    params: dict
    truth_path: str
    collection: str
    page_size: int
    extra_calls: int = 0
    host_keyed: bool = False
    ids: dict = field(default_factory=dict)


CASES = [
    Case("mastodon", "mastodon", "/mastodon", {"tag": "python", "limit": 200},
         "/mastodon/api/v1/timelines/tag/python", "mastodon_statuses", 40, host_keyed=True),
    Case("reddit", "reddit", "/reddit", {"subreddit": "python", "limit": 250, "credential": REDDIT_CREDENTIAL},
         "/reddit/r/python/new", "reddit_posts", 100),
    Case("hackernews", "hn", "/hn", {"list": "top", "limit": 40},
         "/hn/v0/topstories.json", "hn_items", 1, extra_calls=1),
    Case("bluesky", "bsky", "/bsky", {"q": "python", "limit": 250},
         "/bsky/xrpc/app.bsky.feed.searchPosts?q=python", "bsky_posts", 100),
    Case("rest", "github", "/github", {"preset": "github_issues", "owner": "psf", "repo": "requests", "limit": 250},
         "/github/repos/psf/requests/issues", "rest_github_issues", 100, host_keyed=True),
]


@pytest.mark.parametrize("case", CASES, ids=[case.source for case in CASES])
def test_a_pull_stores_exactly_the_ground_truth_with_one_call_per_page(settings, sandbox, case):
    base_url = settings.sandbox_url + case.prefix
    job = ingest.pull(case.source, base_url=base_url, **case.params, **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed", status

    limit = case.params["limit"]
    expected = sandbox.truth(case.truth_path)[:limit]
    if case.host_keyed:
        host = urlsplit(base_url).netloc
        expected = [f"{host}:{item}" for item in expected]
    stored = job.record_ids(case.collection)
    assert sorted(stored) == sorted(expected)
    assert len(set(stored)) == len(stored) == limit
    assert status["counts"]["records"] == limit, "a page was stored twice"
    assert sandbox.calls(case.api) == math.ceil(limit / case.page_size) + case.extra_calls


def test_an_incremental_pull_fetches_only_new_items(settings, sandbox):
    base_url = settings.sandbox_url + "/mastodon"
    tag = "rust"
    first = ingest.pull("mastodon", base_url=base_url, tag=tag, limit=80, **FAST)
    assert first.wait(timeout=60)["state"] == "completed"
    added = sandbox.add_items(api="mastodon", count=50, tag=tag)
    calls_before = sandbox.calls("mastodon")
    second = ingest.pull("mastodon", base_url=base_url, tag=tag, incremental=True, **FAST)
    status = second.wait(timeout=60)
    assert status["state"] == "completed"
    host = urlsplit(base_url).netloc
    assert sorted(second.record_ids("mastodon_statuses")) == sorted(f"{host}:{item}" for item in added)
    calls = sandbox.calls("mastodon") - calls_before
    assert calls <= math.ceil(50 / 40) + 1, f"{calls} calls for 50 new statuses"


def test_a_malformed_page_fails_its_own_node_and_the_job_completes_with_errors(settings, sandbox):
    sandbox.scenario({"fault_seed": 3, "apis": {"hn": {"malformed": {"truncated": 0.3},
                                                        "fault_routes": ["/v0/item/"]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="new", limit=20, **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed_with_errors", status
    assert status["nodes"]["failed"] >= 1 and status["nodes"]["done"] >= 2
    assert status["nodes"]["done"] + status["nodes"]["failed"] == 21
    failed = node_documents(mongo.database(settings), job.id, [NodeState.FAILED])[0]
    assert failed["error"]["kind"] == "malformed"
    assert "/v0/item/" in failed["error"]["message"] and "JSON" in failed["error"]["message"]
    assert failed["attempts"] == 1, "a malformed answer is not retried"
    assert len(job.record_ids("hn_items")) == status["nodes"]["done"] - 1, "the list node stores no record"


def test_a_missing_credential_is_refused_before_anything_is_sent(settings, sandbox):
    jobs_before = mongo.database(settings)[mongo.JOBS].count_documents({})
    base_url = settings.sandbox_url + "/reddit"
    with pytest.raises(ingest.ConfigError) as raised:
        ingest.pull("reddit", base_url=base_url, subreddit="python", limit=10, credential="no-such-credential", **FAST)
    assert "no credential named 'no-such-credential'" in str(raised.value)
    assert "ingest credentials add no-such-credential" in str(raised.value)
    with pytest.raises(ingest.ConfigError, match="reddit answers nothing without a credential"):
        ingest.pull("reddit", base_url=base_url, subreddit="python", limit=10, **FAST)
    assert mongo.database(settings)[mongo.JOBS].count_documents({}) == jobs_before
    assert sandbox.calls("reddit") == 0


def test_bad_input_is_refused_before_anything_is_sent(settings, sandbox):
    jobs_before = mongo.database(settings)[mongo.JOBS].count_documents({})
    base_url = settings.sandbox_url + "/mastodon"
    with pytest.raises(ingest.UnknownSourceError, match="Did you mean 'mastodon'"):
        ingest.pull("mastodont", base_url=base_url)
    with pytest.raises(ingest.ParameterError, match="Did you mean 'limit'"):
        ingest.pull("mastodon", base_url=base_url, limt=10)
    with pytest.raises(ingest.ParameterError, match="limit"):
        ingest.pull("mastodon", base_url=base_url, limit="ten")
    with pytest.raises(ingest.ParameterError, match="rate-limit 'requests' must be a number above zero"):
        ingest.pull("mastodon", base_url=base_url, limits={"requests": "lots"})
    with pytest.raises(ingest.ParameterError, match="does not answer"):
        ingest.pull("mastodon", base_url="http://127.0.0.1:9")
    assert mongo.database(settings)[mongo.JOBS].count_documents({}) == jobs_before
    assert sandbox.calls("mastodon") == 0


def test_items_stored_within_the_freshness_window_are_not_fetched_again(settings, sandbox):
    base_url = settings.sandbox_url + "/hn"
    first = ingest.pull("hackernews", base_url=base_url, list="best", limit=8, **FAST)
    assert first.wait(timeout=60)["state"] == "completed"
    calls_before = sandbox.calls("hn")
    second = ingest.pull("hackernews", base_url=base_url, list="best", limit=8, fresh_for=3600.0, **FAST)
    status = second.wait(timeout=60)
    assert status["state"] == "completed"
    assert status["nodes"]["skipped"] == 8
    assert sandbox.calls("hn") - calls_before == 1, "only the story list is fetched again"


def test_rerun_of_failed_nodes_completes_the_job(settings, sandbox):
    sandbox.scenario({"apis": {"hn": {"errors": {"500": 1.0}, "fault_routes": ["/v0/item/"]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="ask", limit=4, **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed_with_errors"
    assert status["nodes"]["failed"] == 4
    sandbox.scenario({})
    assert job.rerun() == 4
    status = job.wait(timeout=60)
    assert status["state"] == "completed" and status["nodes"]["done"] == 5
    assert len(job.record_ids("hn_items")) == 4


def test_a_published_limit_is_respected_from_the_apis_own_headers(settings, sandbox):
    # The sandbox allows 4 calls per 2 s and says so in X-RateLimit-*; the pull claims a far
    # larger limit, so only reconciling with those headers keeps it from being refused.
    sandbox.scenario({"apis": {"mastodon": {"rate_limits": [{"limit": 4, "window": 2.0, "scope": "ip"}]}}})
    job = ingest.pull("mastodon", base_url=settings.sandbox_url + "/mastodon", tag="python", limit=400, **FAST)
    status = job.wait(timeout=180)
    assert status["state"] == "completed", status
    assert status["nodes"]["failed"] == 0
    assert status["counts"]["records"] == 400
    assert status["counts"]["waits"] >= 1, "the limiter should have made nodes wait"
    assert sandbox.counters()["throttled"].get("mastodon", 0) == 0, "the API had to refuse a call"
    assert status["counts"]["refusals"] == 0


def test_a_hidden_limit_is_waited_out_in_rabbitmq_without_failed_attempts(settings, sandbox):
    sandbox.scenario({"apis": {"hn": {"hidden_limits": [{"limit": 1, "window": 1.0, "status": [429]}]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=30)
    status = job.wait(timeout=180)
    assert status["state"] == "completed", status
    refused = sandbox.counters()["hidden_refusals"].get("hn", 0)
    assert refused >= 1 and status["counts"]["refusals"] == refused
    nodes = node_documents(mongo.database(settings), job.id, fields=["attempts"])
    assert all(node["attempts"] == 1 for node in nodes), "a refused call counted as a failed attempt"


def test_the_jobs_refusals_are_the_apis_and_its_waits_are_counted_apart(settings, sandbox):
    # A 503 for a limit the API does not publish is a refusal, as a 429 is; the turns the
    # adaptive limiter made nodes wait are waits, and not refusals.
    # One call in 2 s: below the adaptive rate's starting one, so the API refuses some.
    sandbox.scenario({"apis": {"hn": {"hidden_limits": [{"limit": 1, "window": 2.0, "status": [503]}]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=20)
    status = job.wait(timeout=240)
    assert status["state"] == "completed", status
    served = sandbox.counters()
    refused = served["hidden_refusals"].get("hn", 0)
    counts = status["counts"]
    assert refused >= 1, "the hidden limit never refused a call: nothing was tested"
    assert counts["refusals"] == refused
    assert counts["calls"] == served["by_api"]["hn"]
    assert counts["waits"] >= 1, "the adaptive limiter made no node wait its turn"
    assert status["refusal_percent"] == pytest.approx(100.0 * refused / counts["calls"])
    assert f"waits {counts['waits']:,} · refusals {refused:,} (" in job.snapshot().totals_line()


def test_a_reddit_pull_with_comments_stores_every_comment_of_every_post(settings, sandbox):
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=5,
                      with_comments=True, credential=REDDIT_CREDENTIAL, **FAST)
    assert job.wait(timeout=120)["state"] == "completed"
    db = mongo.database(settings)
    posts = list(db["reddit_posts"].find(record_writes.job_records_filter(db, "reddit_posts", job.id),
                                         {"name": 1, "num_comments": 1}))
    assert len(posts) == 5
    for post in posts:
        assert db["reddit_comments"].count_documents({"link_id": post["name"]}) == post["num_comments"]


def test_hacker_news_comments_are_followed_to_the_given_depth(settings, sandbox):
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=5,
                      comment_depth=2, **FAST)
    assert job.wait(timeout=120)["state"] == "completed"
    db = mongo.database(settings)
    items = {item["id"]: item for item in db["hn_items"].find(record_writes.job_records_filter(db, "hn_items", job.id))}
    stories = [item for item in items.values() if item.get("type") == "story"]
    comments = [item for item in items.values() if item.get("type") == "comment"]
    assert len(stories) == 5 and comments
    for comment in comments:
        parent = items[comment["parent"]]
        assert parent.get("type") == "story" or items[parent["parent"]].get("type") == "story", "deeper than 2"
    for story in stories:
        assert all(kid in items for kid in story.get("kids", [])), "a first-level comment is missing"


def test_records_seen_again_unchanged_are_not_rewritten_and_belong_to_both_jobs(settings, sandbox):
    base_url = settings.sandbox_url + "/mastodon"
    first = ingest.pull("mastodon", base_url=base_url, tag="music", limit=40, **FAST)
    assert first.wait(timeout=60)["state"] == "completed"
    ids = sorted(first.record_ids("mastodon_statuses"))
    db = mongo.database(settings)
    before = {d["_id"]: d["_ingest"] for d in db["mastodon_statuses"].find({"_id": {"$in": ids}}, {"_ingest": 1})}
    again = first.replay()
    status = again.wait(timeout=60)
    assert status["state"] == "completed" and status["counts"]["new_records"] == 0
    assert len(ids) == 40 and sorted(again.record_ids("mastodon_statuses")) == ids
    after = {d["_id"]: d["_ingest"] for d in db["mastodon_statuses"].find({"_id": {"$in": ids}}, {"_ingest": 1})}
    assert after == before, "an unchanged record was written again"
    assert db[mongo.SIGHTINGS].count_documents({"job": again.id}) == 40
    assert sorted(again.frame(columns=["_id"])["_id"]) == ids
