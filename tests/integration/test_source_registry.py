"""A source defined in the test suite (tests/sources/sandbox_stories.py), pulled end to end
through the real stack: a worker of its own, started with INGEST_SOURCES naming the module,
serves the source's own queue; the records land in the source's own collection, with the
indexes it declared, and frames read its epoch field as times. Nothing outside tests/ names it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from kombu import Connection

import ingest
from ingest.settings import PROJECT_ROOT
from ingest.storage import mongo
from tests.sources import SANDBOX_STORIES, registered

pytestmark = pytest.mark.stack

QUEUE = "ingest.sandbox_stories"
WORKER_START_TIMEOUT = 60.0


@pytest.fixture()
def own_worker(settings, celery_app, tmp_path):
    """A Celery worker process for the source's queue only, registering the source as any
    worker does: from INGEST_SOURCES."""
    name = f"test-sources-{os.getpid()}"
    env = {**os.environ, **settings.as_env(), "INGEST_SOURCES": SANDBOX_STORIES}
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "--loglevel=INFO",
             f"--hostname={name}@%h", "--pool=threads", "--concurrency=4", f"--queues={QUEUE}",
             "--without-gossip", "--without-mingle"],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_it_answers(celery_app, f"{name}@{socket.gethostname()}", process, log_path)
        yield name
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with Connection(settings.broker_url) as connection:
            connection.default_channel.queue_delete(QUEUE)


def _wait_until_it_answers(celery_app, hostname: str, process: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the source's worker exited at start:\n{log_path.read_text()[-3000:]}")
        if celery_app.control.ping(destination=[hostname], timeout=1.0):
            return
    pytest.fail(f"the source's worker did not answer within {WORKER_START_TIMEOUT:g} s:\n"
                f"{log_path.read_text()[-3000:]}")


def test_a_source_from_the_test_suite_is_pulled_end_to_end_by_a_worker_of_its_own(settings, sandbox, own_worker):
    with registered(SANDBOX_STORIES) as source:
        assert "sandbox_stories" in ingest.sources().index
        job = ingest.pull("sandbox_stories", base_url=settings.sandbox_url + "/hn", list="new", limit=12,
                          limits={"requests": 1000, "window": 10.0})
        status = job.wait(timeout=120)
        frame = job.frame()

    assert status["state"] == "completed", status
    assert status["nodes"]["done"] == 13 and status["counts"]["records"] == 12
    expected = [str(item) for item in sandbox.truth("/hn/v0/newstories.json")[:12]]
    assert sorted(job.record_ids("sandbox_stories")) == sorted(expected)
    collection = mongo.database(settings)[source.STORIES.name]
    indexed = [index["key"] for index in collection.index_information().values()]
    assert [("_ingest.jobs", 1)] in indexed and [("by", 1)] in indexed
    assert sorted(frame["_id"]) == sorted(expected)
    assert isinstance(frame["time"].dtype, pd.DatetimeTZDtype)
    assert sandbox.calls("hn") == 13
