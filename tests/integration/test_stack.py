"""The real services: RabbitMQ carries a task to a real worker, Redis brings the result back,
the document store keeps documents and enforces unique indexes, supervisord restarts a
killed worker, and a pickled message is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace

import pymongo
import pytest
import redis
import requests
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Producer

from ingest.settings import mask_url
from ingest.storage import mongo
from ingest.messaging.config import DEFAULT_QUEUE, TASK_EXCHANGE, queue_family, source_queues
from ingest.stack import health
from ingest.stack.services import Check, plan, worker_name
from ingest.stack.supervisor import SupervisorPaths

pytestmark = pytest.mark.stack

MASTODON_QUEUE = "ingest.mastodon"
MASTODON_WORKER = worker_name("mastodon", 1)


def _probe(celery_app, note: str, queue: str = DEFAULT_QUEUE, timeout: float = 60.0) -> dict:
    return celery_app.send_task("ingest.probe", kwargs={"note": note}, queue=queue).get(timeout=timeout)


def test_a_task_runs_on_a_worker_and_its_result_comes_back_through_redis(settings, celery_app):
    result = celery_app.send_task("ingest.probe", kwargs={"note": "round trip"}, queue=DEFAULT_QUEUE)
    outcome = result.get(timeout=60)
    assert outcome["worker"].startswith("ingest-worker-")
    assert outcome["pid"] != os.getpid()
    assert outcome["queue"] == DEFAULT_QUEUE
    stored_result = redis.Redis.from_url(settings.redis_url).get(f"celery-task-meta-{result.id}")
    assert stored_result is not None and b'"status": "SUCCESS"' in stored_result
    document = mongo.database(settings)[mongo.PROBES].find_one({"_id": result.id})
    assert document["note"] == "round trip"


@pytest.mark.parametrize("queue", source_queues())
def test_every_source_queue_is_consumed_by_its_own_pool(celery_app, queue):
    outcome = _probe(celery_app, f"queue {queue}", queue=queue)
    assert outcome["queue"] == queue
    assert outcome["worker"].startswith(worker_name(queue_family(queue), 1) + "@")


def test_queues_are_durable(settings):
    with Connection(settings.broker_url) as connection:
        for name in (DEFAULT_QUEUE, *source_queues()):
            connection.channel().queue_declare(name, passive=True)
            # RabbitMQ refuses a redeclaration whose flags differ from the queue's own.
            with pytest.raises(PreconditionFailed, match="durable"):
                connection.channel().queue_declare(name, durable=False)


def test_a_document_round_trips_and_a_unique_index_refuses_a_duplicate(settings):
    collection = mongo.database(settings)[f"roundtrip_{uuid.uuid4().hex[:8]}"]
    try:
        collection.create_index([("natural_key", pymongo.ASCENDING)], unique=True)
        document = {"natural_key": "mastodon.social:1", "text": "héllo", "nested": {"n": [1, 2.5, None]}}
        inserted = collection.insert_one(dict(document)).inserted_id
        assert collection.find_one({"_id": inserted}, {"_id": 0}) == document
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            collection.insert_one({"natural_key": "mastodon.social:1", "text": "again"})
        assert collection.count_documents({}) == 1
    finally:
        collection.drop()


def test_a_killed_worker_is_restarted_and_a_task_published_meanwhile_completes(celery_app, supervisor):
    before = supervisor.getProcessInfo(MASTODON_WORKER)["pid"]
    os.kill(before, signal.SIGKILL)
    result = celery_app.send_task("ingest.probe", kwargs={"note": "while dead"}, queue=MASTODON_QUEUE)
    outcome = result.get(timeout=120)
    deadline = time.monotonic() + 30
    while (after := supervisor.getProcessInfo(MASTODON_WORKER))["statename"] != "RUNNING":
        assert time.monotonic() < deadline, f"worker is {after['statename']} 30 s after the kill"
        time.sleep(0.2)
    assert after["pid"] != before
    assert outcome["pid"] == after["pid"]


def test_a_pickled_message_is_refused(settings, celery_app):
    marker = f"pickled-{uuid.uuid4().hex}"
    task_id = str(uuid.uuid4())
    log = SupervisorPaths.of(settings).log_of(MASTODON_WORKER)
    log_size_before = log.stat().st_size
    with Connection(settings.broker_url) as connection:
        Producer(connection).publish(
            [[], {"note": marker}, {}],
            exchange=Exchange(TASK_EXCHANGE.name, type="direct"),
            routing_key=MASTODON_QUEUE,
            serializer="pickle",
            headers={"task": "ingest.probe", "id": task_id, "lang": "py"},
        )
    deadline = time.monotonic() + 60
    refused = False
    while time.monotonic() < deadline and not refused:
        with log.open("rb") as handle:
            handle.seek(log_size_before)
            refused = b"Refusing to deserialize untrusted content of type pickle" in handle.read()
        time.sleep(0.2)
    assert refused, "the worker log shows no refusal of the pickled message"
    # The worker is still fine and the pickled task never ran.
    assert _probe(celery_app, "after pickle", queue=MASTODON_QUEUE)["note"] == "after pickle"
    assert mongo.database(settings)[mongo.PROBES].count_documents({"note": marker}) == 0


def test_up_on_a_running_stack_changes_nothing(settings, supervisor):
    before = {info["name"]: info["pid"] for info in supervisor.getAllProcessInfo()}
    completed = subprocess.run(
        [sys.executable, "-m", "ingest", "up", "--sandbox"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "nothing changed" in completed.stdout
    after = {info["name"]: info["pid"] for info in supervisor.getAllProcessInfo()}
    assert after == before


def test_status_json_reports_every_part_healthy(settings):
    import json

    completed = subprocess.run(
        [sys.executable, "-m", "ingest", "status", "--json"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["healthy"] is True
    workers = [worker_name(queue_family(queue), 1) for queue in source_queues()]
    for name in ("rabbitmq", "redis", "docstore", *workers, "sandbox"):
        part = report["parts"][name]
        assert part["state"] == "running" and part["healthy"] is True and part["pid"] > 0
    assert report["parts"]["redis"]["url"] == mask_url(settings.redis_url)
    assert settings.stack_credentials.redis_password not in completed.stdout


def test_every_worker_answers_one_ping_by_name_and_a_missing_one_is_named(settings):
    workers = [service for service in plan(settings) if service.check is Check.CELERY]
    missing = replace(workers[0], name="ingest-worker-none-1", url="celery://ingest-worker-none-1@nowhere")
    results = health.check_workers([*workers, missing], settings, timeout=2.0)
    assert [name for name, result in results.items() if not result.ok] == [missing.name]
    assert results[missing.name].detail == "no control ping reply within 2 s"


def test_flower_lists_the_workers(settings):
    """`make test` starts the stack with --flower; workers send events, so Flower sees them."""
    deadline = time.monotonic() + 60.0
    page = ""
    while time.monotonic() < deadline:
        try:
            page = requests.get(f"{settings.flower_url}/workers", timeout=5, auth=(
                settings.stack_credentials.flower_user, settings.stack_credentials.flower_password)).text
        except requests.RequestException:
            page = ""
        if MASTODON_WORKER + "@" in page:
            return
        time.sleep(1.0)
    raise AssertionError(f"Flower at {settings.flower_url} does not list {MASTODON_WORKER}: {page[:300]!r}")
