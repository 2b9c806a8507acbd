"""A job's counts are its frames' rows, its error count is the errors it lists, and its frames
join: pulls through the real stack against the sandbox, whose pages hold a record twice."""

from __future__ import annotations

import time

import pytest

import ingest
from tests.integration.test_pull_sandbox import REDDIT_CREDENTIAL, sandbox  # noqa: F401  (fixture: saves the credential)
from tests.running_stack import FAST

pytestmark = pytest.mark.stack


def rows_by_collection(job) -> dict[str, int]:
    return {collection: len(frame) for collection, frame in job.frames().items()}


def test_a_reddit_pull_with_comments_counts_each_record_once_and_comments_join_their_posts(settings, sandbox):
    sandbox.scenario({"apis": {"reddit": {"duplicate_in_page": 1.0}}})
    # A subreddit no other test pulls: every record this job stores is new to the store.
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="datascience", limit=5,
                      with_comments=True, credential=REDDIT_CREDENTIAL, **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed"
    assert sandbox.counters()["faults"]["reddit"]["duplicate_in_page"] >= 1
    frames = job.frames()
    posts, comments = frames["reddit_posts"], frames["reddit_comments"]
    # The listing's first post came twice, and counted twice toward limit=5: four distinct posts.
    assert len(posts) == 4 and posts["id"].is_unique and len(comments) > 0
    assert status["counts"]["records"] == len(posts) + len(comments)
    assert status["counts"]["new_records"] == len(posts) + len(comments)
    assert f"records {len(posts) + len(comments):,} ({len(posts) + len(comments):,} new)" in job.snapshot().totals_line()
    joined = comments.merge(posts, left_on="post_id", right_on="id", suffixes=("", "_post"))
    assert len(joined) == len(comments)
    replies = comments[comments["parent_comment_id"].notna()]
    assert len(replies.merge(comments, left_on="parent_comment_id", right_on="id")) == len(replies)


def test_a_hacker_news_pull_counts_a_story_listed_twice_once_and_comments_join_their_stories(settings, sandbox):
    sandbox.scenario({"apis": {"hn": {"duplicate_in_page": 1.0}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=4, comment_depth=1,
                      **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed"
    items = job.frame()
    stories, comments = items[items["type"] == "story"], items[items["type"] == "comment"]
    assert len(stories) == 3 and len(comments) > 0 and items["id"].is_unique
    assert status["counts"]["records"] == sum(rows_by_collection(job).values()) == len(items)
    assert str(items["id"].dtype) == str(items["parent"].dtype) == "Int64"
    assert len(comments.merge(stories, left_on="parent", right_on="id", suffixes=("", "_story"))) == len(comments)


def test_the_error_count_is_the_failed_nodes_listed_and_retried_attempts_are_marked(settings, sandbox):
    items = [int(i) for i in sandbox.truth("/hn/v0/askstories.json")[:3]]
    sandbox.scenario({"apis": {"hn": {"errors": {"500": 1.0}, "fault_routes": ["/v0/item/"]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", items=items, **FAST)
    deadline = time.monotonic() + 30
    while sandbox.counters()["by_status"].get("500", 0) < len(items) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Every first attempt failed and is retried (after half a second at least): the retries meet a 404.
    sandbox.scenario({"apis": {"hn": {"errors": {"404": 1.0}, "fault_routes": ["/v0/item/"]}}})
    status = job.wait(timeout=120)
    counts, snapshot = status["counts"], job.snapshot()
    outcomes = [error["outcome"] for error in snapshot.errors]
    assert (counts["errors"], counts["retries"], status["nodes"]["failed"]) == (3, 3, 3)
    assert outcomes.count("failed") == counts["errors"] and outcomes.count("retried") == counts["retries"]
    assert counts["records"] == len(job.frame()) == 0
    assert snapshot.errors_heading() == "recent errors (6): 3 failed nodes, 3 retried attempts:"


def test_an_empty_frame_has_its_sources_columns(settings, sandbox):
    sandbox.scenario({"apis": {"hn": {"errors": {"404": 1.0}, "fault_routes": ["/v0/item/"]}}})
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", items=[1], **FAST)
    assert job.wait(timeout=60)["counts"]["records"] == 0
    empty = job.frame()
    assert empty.empty and list(empty.columns)[:4] == ["_id", "id", "type", "by"]
    assert str(empty["id"].dtype) == "Int64"
