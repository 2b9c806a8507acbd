"""A bounded pull makes exactly the calls `ingest.estimate` said it would, through the real stack
against the sandbox; a dry run sends nothing and makes no job."""

from __future__ import annotations

import pytest

import ingest
from ingest.jobtree.waiting import poll_until
from ingest.api.connection import runtime
from tests.integration.test_pull_sandbox import REDDIT_CREDENTIAL, sandbox  # noqa: F401  (fixture: saves the credential)
from tests.running_stack import FAST

pytestmark = pytest.mark.stack

CASES = [
    ("hackernews", "/hn", "hn", {"list": "top", "limit": 40}, 41),
    ("reddit", "/reddit", "reddit", {"subreddit": "python", "limit": 250, "credential": REDDIT_CREDENTIAL}, 3),
]


@pytest.mark.parametrize("source, prefix, api, params, calls", CASES, ids=[case[0] for case in CASES])
def test_a_bounded_pull_makes_the_calls_it_was_estimated_to(settings, sandbox, source, prefix, api, params, calls):
    params = {"base_url": settings.sandbox_url + prefix, **params, **FAST}
    jobs_before = runtime(settings).jobs.latest({}, 1000)
    estimate = ingest.estimate(source, **params)
    assert ingest.pull(source, settings=settings, dry_run=True, **params) == estimate
    assert sandbox.calls(api) == 0
    assert runtime(settings).jobs.latest({}, 1000) == jobs_before

    job = ingest.pull(source, settings=settings, **params)
    job.wait(timeout=120)
    status = job.status()
    assert status["state"] == "completed", status
    assert status["counts"]["calls"] == estimate.calls == calls == sandbox.calls(api)
    assert (status["progress"], status["progress_basis"], status["eta_seconds"]) == (1.0, "nodes", None)


def test_a_running_bounded_pull_counts_records_of_its_limit_and_a_cancelled_one_says_so(settings, sandbox):
    job = ingest.pull("mastodon", settings=settings, base_url=settings.sandbox_url + "/mastodon", tag="python",
                      limit=200, limits={"requests": 1, "window": 1.0})
    status, _ = poll_until(job.status, lambda status: status["counts"]["calls"] >= 2, 30, 0.1)
    assert status["state"] == "running", status
    assert status["progress_basis"] == "records of limit"
    # A page may end between the read of the counts and that of the listing: 40 records apart.
    assert round(status["progress"] * 200) in (status["counts"]["records"], status["counts"]["records"] + 40)
    assert status["progress"] < 1.0
    assert status["eta_seconds"] is not None and status["eta_seconds"] > 0
    job.cancel()
    snapshot = job.snapshot()
    assert snapshot.progress < 1.0
    assert snapshot.progress_text().startswith("cancelled at ") and snapshot.progress_text().endswith(
        " of 200 records (limit)")
