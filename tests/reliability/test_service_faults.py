"""Parts of the stack die in the middle of a job: the worker (SIGKILL, several times), RabbitMQ,
Redis (with and without its data) and the document store. Each job still completes with every
record of the sandbox's ground truth stored exactly once and no node left live."""

from __future__ import annotations

import shutil
import threading
import time
import uuid

import pytest
from kombu import Connection

import ingest
from ingest.messaging.config import DEAD_LETTER_QUEUE
from ingest.messaging.publisher import Publisher
from tests.reliability.support import FAST, HN_TOP, WORKER, report

pytestmark = pytest.mark.stack

MASTODON_TAG = "/mastodon/api/v1/timelines/tag/{tag}"


def _hn_pull(stack, limit: int, latency: float):
    stack.sandbox.scenario({"apis": {"hn": {"latency": {"fixed": latency}}}})
    job = ingest.pull("hackernews", base_url=stack.settings.sandbox_url + "/hn", list="top", limit=limit,
                      settings=stack.settings, **FAST)
    return job, stack.sandbox.truth(HN_TOP)[:limit]


def _mastodon_expected(stack, tag: str, limit: int) -> list[str]:
    host = stack.settings.sandbox_url.split("://", 1)[1]
    return [f"{host}:{item}" for item in stack.sandbox.truth(MASTODON_TAG.format(tag=tag))[:limit]]


def _running(status: dict) -> bool:
    return status["state"] == "running"


def test_a_worker_killed_mid_job_several_times_loses_and_duplicates_nothing(healthy_stack):
    stack = healthy_stack
    job, expected = _hn_pull(stack, limit=200, latency=0.3)
    kills_while_running = 0
    for kill in range(3):
        calls = 5 + 20 * kill
        stack.wait_until(job, lambda s: s["counts"]["calls"] >= calls or not _running(s), what="calls under way")
        if _running(job.status()):
            kills_while_running += 1
        before = stack.kill_worker()
        stack.wait_worker_answers()
        assert stack.pid(WORKER) != before, "supervisord did not start a new worker"
    assert kills_while_running == 3, "the job ended before the worker could be killed three times mid-job"
    status = stack.wait(job, timeout=180)
    outcome = stack.assert_exact(job, status, "hn_items", expected)
    report("test_a_worker_killed_mid_job_several_times_loses_and_duplicates_nothing",
           "worker SIGKILL x3", outcome, f"{kills_while_running} kills mid-job, job completed")


def _publish_while_the_broker_is_down(stack, marker: str) -> tuple[threading.Thread, list]:
    """Publish two messages for a node no job has (so they end in ingest.dead, where they can
    be found), one now and one through a delay queue, from a thread that must wait for the
    broker."""
    failures: list = []

    def publish() -> None:
        try:
            publisher = Publisher(stack.app)
            publisher.publish(f"no-job-{marker}", "now", "ingest.hackernews")
            publisher.publish(f"no-job-{marker}", "later", "ingest.hackernews", delay=1.5)
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    thread = threading.Thread(target=publish)
    thread.start()
    return thread, failures


def test_rabbitmq_restarted_mid_job_loses_no_message(healthy_stack):
    stack = healthy_stack
    stack.sandbox.scenario({"apis": {"hn": {"latency": {"fixed": 0.2}}, "mastodon": {"latency": {"fixed": 0.5}}}})
    fan_out = ingest.pull("hackernews", base_url=stack.settings.sandbox_url + "/hn", list="top", limit=120,
                          settings=stack.settings, **FAST)
    chain = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag="hoot", limit=400,
                        settings=stack.settings, **FAST)
    stack.wait_until(fan_out, lambda s: s["counts"]["calls"] >= 10, what="calls under way")
    stack.stop("rabbitmq")
    assert _running(fan_out.status()) and _running(chain.status()), "a job ended before the broker went down"
    marker = uuid.uuid4().hex
    publishing, failures = _publish_while_the_broker_is_down(stack, marker)
    time.sleep(2.0)
    assert publishing.is_alive(), "a publish returned while the broker was down"
    stack.start("rabbitmq")
    publishing.join(timeout=90)
    assert not publishing.is_alive() and not failures, failures
    outcomes = [
        stack.assert_exact(fan_out, stack.wait(fan_out, timeout=240), "hn_items", stack.sandbox.truth(HN_TOP)[:120]),
        stack.assert_exact(chain, stack.wait(chain, timeout=240), "mastodon_statuses",
                           _mastodon_expected(stack, "hoot", 400)),
    ]
    with Connection(stack.settings.broker_url) as connection:
        channel = connection.channel()
        dead = []
        deadline = time.monotonic() + 30
        while len(dead) < 2 and time.monotonic() < deadline:
            message = channel.basic_get(DEAD_LETTER_QUEUE.name, no_ack=True)
            if message is None:
                time.sleep(0.3)
            elif marker in str(message.body):
                dead.append(message)
    assert len(dead) == 2, "a message published during the broker's restart was lost"
    for name, outcome in zip(("HN fan-out", "Mastodon chain"), outcomes):
        report(f"test_rabbitmq_restarted_mid_job_loses_no_message[{name}]", "RabbitMQ stop/start", outcome,
               "queued, unacknowledged and newly published messages survived, job completed")


def _limited_mastodon_pull(stack, tag: str, requests_per_window: int, window: float, limit: int):
    stack.sandbox.scenario({"apis": {"mastodon": {
        "rate_limits": [{"limit": requests_per_window, "window": window, "scope": "ip"}]}}})
    job = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag=tag, limit=limit,
                      limits={"requests": requests_per_window, "window": window}, settings=stack.settings)
    return job, _mastodon_expected(stack, tag, limit)


ARRIVAL_JITTER = 0.1  # seconds a call may take from its permit to the API, more for some than others


def _most_calls_in_any_window(calls: list[dict], window: float) -> int:
    times = sorted(call["at"] for call in calls)
    most = 0
    for first, start in enumerate(times):
        most = max(most, sum(1 for moment in times[first:] if moment < start + window))
    return most


def _assert_limit_held(stack, requests_per_window: int, window: float) -> int:
    counters = stack.sandbox.counters()
    assert counters["throttled"].get("mastodon", 0) == 0, "the API refused a call (429): a burst over the limit"
    busiest = _most_calls_in_any_window(stack.sandbox.requests("mastodon"), window - ARRIVAL_JITTER)
    assert busiest <= requests_per_window, f"{busiest} calls within {window:g} s, over the limit"
    return busiest


@pytest.mark.parametrize("keeps_data", [True, False], ids=["with-its-data", "data-lost"])
def test_redis_restarted_mid_job_the_limit_holds_and_the_job_completes(healthy_stack, keeps_data):
    stack = healthy_stack
    assert stack.redis.config_get("appendonly")["appendonly"] == "yes", "Redis must keep an append-only file"
    tag = "rust" if keeps_data else "science"
    job, expected = _limited_mastodon_pull(stack, tag, requests_per_window=4, window=2.0, limit=440)
    stack.wait_until(job, lambda s: s["counts"]["calls"] >= 3, what="calls under way")
    stack.stop("redis")
    if not keeps_data:
        redis_dir = stack.settings.data_dir / "redis"
        for entry in redis_dir.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    time.sleep(2.0)
    stack.start("redis")
    status = stack.wait(job, timeout=180)
    outcome = stack.assert_exact(job, status, "mastodon_statuses", expected)
    busiest = _assert_limit_held(stack, 4, 2.0)
    report(f"test_redis_restarted_mid_job_the_limit_holds_and_the_job_completes[{tag}]",
           f"Redis stop/start ({'AOF kept' if keeps_data else 'data deleted'})", outcome,
           f"0 x 429, busiest 1.9 s window {busiest}/4 calls, tally {'kept' if keeps_data else 'rebuilt from store'}")


def test_the_document_store_restarted_mid_job_loses_nothing(healthy_stack):
    stack = healthy_stack
    job, expected = _hn_pull(stack, limit=120, latency=0.15)
    stack.wait_until(job, lambda s: s["counts"]["calls"] >= 10, what="calls under way")
    stack.stop("docstore")
    time.sleep(2.0)
    stack.start("docstore")
    status = stack.wait(job, timeout=240)
    outcome = stack.assert_exact(job, status, "hn_items", expected)
    report("test_the_document_store_restarted_mid_job_loses_nothing", "document store stop/start", outcome,
           "writes retried (autoretry on PyMongoError), job completed")
