"""The waiting room on the real stack: nodes parked under a slow known limit survive their
releaser killed and a Redis that lost its data, leave it when their job is cancelled, and two
jobs on one limit share it equally."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest

import ingest
from tests.reliability.support import report

pytestmark = pytest.mark.stack

LEASE_KEY = "ingest:room:lease"


def _hn_pull(stack, limits: dict, limit: int, list_name: str = "top"):
    job = ingest.pull("hackernews", base_url=stack.settings.sandbox_url + "/hn", list=list_name, limit=limit,
                      limits=limits, settings=stack.settings)
    return job, stack.sandbox.truth(f"/hn/v0/{list_name}stories.json")[:limit]


def _parked(status: dict) -> int:
    return sum(status["parked"].values())


def _lose_redis_data(stack) -> None:
    stack.stop("redis")
    for entry in (stack.settings.data_dir / "redis").iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    time.sleep(1.0)
    stack.start("redis")


def test_parked_nodes_survive_their_releaser_killed_and_a_redis_that_lost_its_data(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"latency": {"fixed": 0.02}}}})
    job, expected = _hn_pull(stack, {"requests": 10, "window": 2.0}, limit=80)
    stack.wait_until(job, lambda status: status["counts"]["calls"] >= 5 and _parked(status) >= 40,
                     what="nodes parked under the limit")
    releaser = int(stack.redis.get(LEASE_KEY).decode().split(":")[1])
    os.kill(releaser, signal.SIGKILL)
    calls = job.status()["counts"]["calls"]
    stack.wait_until(job, lambda status: status["counts"]["calls"] >= calls + 10, timeout=60,
                     what="release resumed by another worker")
    _lose_redis_data(stack)
    status = stack.wait(job, timeout=180)
    outcome = stack.assert_exact(job, status, "hn_items", expected)
    assert status["parked"] == {}
    report("test_parked_nodes_survive_their_releaser_killed_and_a_redis_that_lost_its_data",
           "releaser SIGKILL, then Redis data deleted", outcome, "job completed, nothing parked left")


def test_cancel_empties_the_jobs_parked_nodes_and_no_call_follows(healthy_stack):
    stack = healthy_stack
    job, _ = _hn_pull(stack, {"requests": 2, "window": 10.0}, limit=40)
    stack.wait_until(job, lambda status: _parked(status) >= 30, what="nodes parked under the limit")
    job.cancel()
    status = job.status()
    assert status["parked"] == {} and status["nodes"]["cancelled"] >= 30, status
    calls = stack.sandbox.calls("hn")
    time.sleep(6.0)  # a slot of the limit comes by: nothing of the job may be released into it
    assert stack.sandbox.calls("hn") == calls


def test_two_jobs_on_one_limit_each_get_an_equal_share(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"latency": {"fixed": 0.02}}}})
    limits = {"requests": 20, "window": 2.0}
    first, _ = _hn_pull(stack, limits, limit=200, list_name="top")
    second, _ = _hn_pull(stack, limits, limit=200, list_name="new")
    for job in (first, second):
        stack.wait_until(job, lambda status: _parked(status) >= 100, what="both jobs parked")
    before = [job.status()["counts"]["calls"] for job in (first, second)]
    time.sleep(10.0)
    statuses = [job.status() for job in (first, second)]
    shares = [status["counts"]["calls"] - start for status, start in zip(statuses, before)]
    for job in (first, second):
        job.cancel()
    assert all(_parked(status) > 0 for status in statuses), "a job ran out of parked nodes: the test measured nothing"
    assert abs(shares[0] - shares[1]) <= 0.1 * (sum(shares) / 2), shares
