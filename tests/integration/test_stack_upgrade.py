"""A data directory from before the stack had passwords is secured by `ingest up`, losing nothing.

The servers run first the old, open way (`tests.old_stack`) and take records, a Redis key,
messages waiting in the dead-letter and a delay queue, and a probe task for a worker, all in
RabbitMQ's vhost `/` as `guest`. Then `ingest up` must keep every one of them, move the messages
into the stack's own vhost (where a worker runs the probe), delete `guest` and `/`, and let in
no one without the data directory's credentials. A second `ingest up` changes nothing.

The data directory (`data/upgrade-stack`) and ports (INGEST_PORT_BASE + 300) are this test's
own, apart from the shared test stack. Without the servers it skips; with
INGEST_REQUIRE_STACK=1 it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import amqp
import pytest
import redis
from amqp.exceptions import AccessRefused
from kombu import Connection, Producer, Queue
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from ingest.messaging.config import DEAD_LETTER_QUEUE, DEFAULT_QUEUE, make_celery
from ingest.messaging.publisher import delay_queue
from ingest.settings import PROJECT_ROOT, Settings
from ingest.stack.securing import UPGRADE_MARKER
from ingest.stack.services import Service, plan
from ingest.stack_credentials import stack_credentials_path
from ingest.storage import mongo
from tests.old_stack import OldStack

pytestmark = pytest.mark.stack

PORT_BASE = int(os.environ.get("INGEST_PORT_BASE", "18600")) + 300
DATA_DIR = PROJECT_ROOT / "data" / "upgrade-stack"
UP_TIMEOUT = 180.0
DOWN_TIMEOUT = 120.0
PROBE_TIMEOUT = 90.0

RECORDS_COLLECTION = "upgrade_records"
RECORDS = [{"_id": f"record-{number}", "number": number, "text": f"kept across the upgrade {number}"}
           for number in range(5)]
REDIS_KEY = "upgrade:kept"
REDIS_VALUE = b"written by the open stack"
DELAY_QUEUE = delay_queue("ingest.mastodon", 1800.0)
MESSAGES = {
    DEAD_LETTER_QUEUE.name: [
        ({"task": "ingest.fetch", "args": ["job-1", f"node-{number}"]}, {"x-first-death-reason": "rejected"})
        for number in range(2)
    ],
    DELAY_QUEUE.name: [
        ({"task": "ingest.fetch", "args": ["job-2", f"node-{number}"]}, {"due": f"2030-01-01T00:0{number}:00Z"})
        for number in range(3)
    ],
}


def _skip_or_fail(message: str) -> None:
    if os.environ.get("INGEST_REQUIRE_STACK") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _ingest(command: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", command], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=PROJECT_ROOT)


def _stack_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("INGEST_") or key == "INGEST_FIXTURES_DIR" or key.endswith("_BIN")}
    env.update({
        "INGEST_DATA_DIR": str(DATA_DIR),
        "INGEST_PORT_BASE": str(PORT_BASE),
        "INGEST_UP_TIMEOUT": str(UP_TIMEOUT - 30.0),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    })
    return env


def _broker(settings: Settings) -> Service:
    return next(service for service in plan(settings) if service.name == "rabbitmq")


@pytest.fixture()
def env() -> dict[str, str]:
    """The environment of this test's stack, its data directory removed before and after."""
    env = _stack_env()
    settings = Settings.from_env(env, dotenv=Path("/nonexistent"))
    missing = [service.missing for service in plan(settings) if service.missing] or [
        f"{name} is not installed" for name in OldStack(DATA_DIR, PORT_BASE, settings.binaries).missing()]
    if missing:
        _skip_or_fail(f"the servers of the stack are missing: {'; '.join(missing)}; `make setup` installs them")
    docstore = next(service for service in plan(settings) if service.name == "docstore")
    if Path(docstore.command[0]).name == "mongod":
        pytest.skip("the document store here is mongod; this test makes a FerretDB data directory from before")
    _ingest("down", env, DOWN_TIMEOUT)
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    try:
        yield env
    finally:
        _ingest("down", env, DOWN_TIMEOUT)
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def _fill_the_open_stack(old: OldStack, settings: Settings) -> str:
    """Write into each open server; answers the id of the probe task left in `ingest.default`."""
    with MongoClient(old.mongo_url, serverSelectionTimeoutMS=10_000) as client:
        client[settings.mongo_db][RECORDS_COLLECTION].insert_many(RECORDS)
    with redis.Redis.from_url(old.redis_url) as client:
        client.set(REDIS_KEY, REDIS_VALUE)
    with Connection(old.amqp_url, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(channel)
        for queue in (DEAD_LETTER_QUEUE, DELAY_QUEUE):
            queue(channel).declare()
            for body, headers in MESSAGES[queue.name]:
                producer.publish(json.dumps(body), exchange="", routing_key=queue.name, delivery_mode=2,
                                 headers=headers, content_type="application/json", content_encoding="utf-8")
    app = make_celery(settings)
    try:
        return app.send_task("ingest.probe", kwargs={"note": "sent before the upgrade"}, queue=DEFAULT_QUEUE).id
    finally:
        app.close()


def _queued(channel: amqp.Channel, queue: Queue) -> list[tuple[dict, dict, int]]:
    """Each message of the queue (body, headers, delivery mode), left in it."""
    queue(channel).declare()
    found = []
    while (message := channel.basic_get(queue.name, no_ack=False)) is not None:
        found.append((json.loads(message.body), message.properties.get("application_headers"),
                      message.properties.get("delivery_mode")))
    return found


def _rabbitmqctl_list(settings: Settings, what: str) -> list[str]:
    program = OldStack(DATA_DIR, PORT_BASE, settings.binaries).program("rabbitmqctl")
    completed = subprocess.run([str(program), what, "--quiet", "--no-table-headers"],
                               env={**os.environ, **_broker(settings).env}, capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    return [line.split("\t")[0] for line in completed.stdout.splitlines() if line.strip()]


def _assert_the_data_is_kept(settings: Settings, probe_id: str) -> None:
    with MongoClient(settings.mongo_url, serverSelectionTimeoutMS=10_000) as client:
        database = client[settings.mongo_db]
        assert list(database[RECORDS_COLLECTION].find().sort("_id")) == RECORDS
        app = make_celery(settings)
        try:
            outcome = app.AsyncResult(probe_id).get(timeout=PROBE_TIMEOUT)
        finally:
            app.close()
        assert outcome["queue"] == DEFAULT_QUEUE
        assert outcome["worker"].startswith("ingest-worker-")
        assert database[mongo.PROBES].find_one({"_id": probe_id})["note"] == "sent before the upgrade"
    with redis.Redis.from_url(settings.redis_url) as client:
        assert client.get(REDIS_KEY) == REDIS_VALUE
    with Connection(settings.broker_url) as connection:
        channel = connection.channel()
        for queue in (DEAD_LETTER_QUEUE, DELAY_QUEUE):
            assert _queued(channel, queue) == [(body, headers, 2) for body, headers in MESSAGES[queue.name]]
        channel.close()


def _assert_only_the_owner_gets_in(settings: Settings) -> None:
    for vhost in ("/", settings.stack_credentials.amqp_vhost):
        broker = amqp.Connection(host=f"127.0.0.1:{settings.port('amqp')}", userid="guest", password="guest",
                                 virtual_host=vhost, connect_timeout=5)
        with pytest.raises(AccessRefused):
            broker.connect()
    with redis.Redis(host="127.0.0.1", port=settings.port("redis"), socket_timeout=5) as client:
        with pytest.raises(redis.AuthenticationError):
            client.get(REDIS_KEY)
    with MongoClient(f"mongodb://127.0.0.1:{settings.port('mongo')}/", serverSelectionTimeoutMS=10_000) as client:
        with pytest.raises(OperationFailure) as refused:
            client[settings.mongo_db][RECORDS_COLLECTION].find_one()
        assert refused.value.code == 13
    assert "guest" not in _rabbitmqctl_list(settings, "list_users")
    assert _rabbitmqctl_list(settings, "list_vhosts") == [settings.stack_credentials.amqp_vhost]


@pytest.mark.timeout(UP_TIMEOUT * 2 + DOWN_TIMEOUT * 2 + PROBE_TIMEOUT + 120)
def test_an_open_data_directory_from_before_is_secured_and_keeps_its_data(env):
    settings = Settings.from_env(env, dotenv=Path("/nonexistent"))
    old = OldStack(DATA_DIR, PORT_BASE, settings.binaries)
    assert _broker(settings).env["RABBITMQ_NODENAME"] == old.rabbitmq_env()["RABBITMQ_NODENAME"]
    with old:
        assert settings.stack_credentials is None
        probe_id = _fill_the_open_stack(old, settings)

    upgraded = _ingest("up", env, UP_TIMEOUT)
    assert upgraded.returncode == 0, f"{upgraded.stdout}\n{upgraded.stderr}"
    for line in (
        f"rabbitmq: 1 queued messages of {DEFAULT_QUEUE} moved to the stack's own vhost",
        f"rabbitmq: 2 queued messages of {DEAD_LETTER_QUEUE.name} moved to the stack's own vhost",
        f"rabbitmq: 3 queued messages of {DELAY_QUEUE.name} moved to the stack's own vhost",
        "rabbitmq: user `guest` deleted",
        "rabbitmq: the old vhost / deleted",
        "the data directory from before is secured",
    ):
        assert line in upgraded.stdout, upgraded.stdout

    credentials_file = stack_credentials_path(DATA_DIR)
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(DATA_DIR.stat().st_mode) == 0o700
    assert not (DATA_DIR / UPGRADE_MARKER).exists()
    _assert_the_data_is_kept(settings, probe_id)
    _assert_only_the_owner_gets_in(settings)

    credentials = credentials_file.read_bytes()
    again = _ingest("up", env, UP_TIMEOUT)
    assert again.returncode == 0, f"{again.stdout}\n{again.stderr}"
    assert "the stack is already up; nothing changed" in again.stdout
    assert "rabbitmq:" not in again.stdout and "secured" not in again.stdout, again.stdout
    assert credentials_file.read_bytes() == credentials
