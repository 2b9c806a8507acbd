"""Messages no worker can ever run end in the dead-letter queue `ingest.dead`, once, where
they can be inspected; none is retried for ever and the worker keeps working. A pickled
message is refused (see tests/integration/test_stack.py::test_a_pickled_message_is_refused)
and dead-lettered too."""

from __future__ import annotations

import time
import uuid

import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Producer, Queue

from ingest.messaging.config import DEAD_LETTER_QUEUE, DEFAULT_QUEUE, TASK_EXCHANGE, task_queue
from ingest.messaging.queues import declare_task_queues
from ingest.messaging.publisher import FETCH_TASK

pytestmark = pytest.mark.stack

SOURCE_QUEUE = "ingest.mastodon"


def _dead_letters(connection: Connection) -> list:
    """Every message in ingest.dead, taken off the queue."""
    channel = connection.channel()
    taken = []
    while (message := channel.basic_get(DEAD_LETTER_QUEUE.name, no_ack=True)) is not None:
        taken.append(message)
    channel.close()
    return taken


def _wait_for_dead_letters(connection: Connection, match, count: int, timeout: float = 60.0) -> list:
    found = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        found += [message for message in _dead_letters(connection) if match(message)]
        time.sleep(0.3)
    return found


def _body(message) -> bytes:
    """py-amqp hands a body with a content encoding back as text when it decodes."""
    return message.body if isinstance(message.body, bytes) else message.body.encode("utf-8")


def _death(message) -> dict:
    return (message.properties.get("application_headers") or {}).get("x-death", [{}])[0]


def test_poison_messages_are_dead_lettered_once_and_the_worker_carries_on(healthy_stack):
    stack = healthy_stack
    marker = uuid.uuid4().hex
    with Connection(stack.settings.broker_url) as connection:
        _dead_letters(connection)
        producer = Producer(connection)
        exchange = Exchange(TASK_EXCHANGE.name, type="direct")
        producer.publish(b"\xff\xfe{" + marker.encode() + b" not json", exchange=exchange,
                         routing_key=SOURCE_QUEUE, content_type="application/json", content_encoding="utf-8")
        producer.publish(b"\x80" + marker.encode(), exchange=exchange, routing_key=SOURCE_QUEUE,
                         content_type="application/json", content_encoding="utf-8",
                         headers={"task": FETCH_TASK, "id": f"undecodable-{marker}", "lang": "py"})
        producer.publish([[], {"note": marker}, {}], exchange=exchange, routing_key=DEFAULT_QUEUE,
                         serializer="pickle", headers={"task": "ingest.probe", "id": f"pickled-{marker}", "lang": "py"})
        stack.app.send_task(FETCH_TASK, args=[f"no-job-{marker}", "no-node"], queue=SOURCE_QUEUE,
                            task_id=f"unknown-node-{marker}")
        stack.app.send_task(FETCH_TASK, args=[f"job-{marker}", "node", "too", "many"], queue=SOURCE_QUEUE,
                            task_id=f"bad-arguments-{marker}")
        found = _wait_for_dead_letters(connection, lambda message: marker.encode() in _body(message)
                                       or marker in str(message.properties.get("application_headers")), count=5)
        time.sleep(2.0)
        again = [message for message in _dead_letters(connection) if marker.encode() in _body(message)]
        waiting = connection.channel().queue_declare(SOURCE_QUEUE, passive=True).message_count
    reasons = sorted(_death(message).get("queue", "?") + ":" + _death(message).get("reason", "?") for message in found)
    assert len(found) == 5, f"dead-lettered: {reasons}"
    assert reasons == sorted([f"{SOURCE_QUEUE}:rejected"] * 4 + [f"{DEFAULT_QUEUE}:rejected"])
    assert not again, "a poison message came back after it was dead-lettered"
    assert waiting == 0, "a poison message is still queued for another try"
    ids = {(message.properties.get("application_headers") or {}).get("id") for message in found}
    assert {f"unknown-node-{marker}", f"bad-arguments-{marker}", f"pickled-{marker}"} <= ids
    assert stack.app.send_task("ingest.probe", kwargs={"note": marker}, queue=SOURCE_QUEUE).get(timeout=60)["note"] == marker
    assert stack.db["probes"].count_documents({"note": marker}) == 1, "the pickled probe must never run"


def test_task_queues_declared_before_the_dead_letter_exchange_are_moved_with_their_messages(healthy_stack):
    stack = healthy_stack
    name = f"ingest.upgrade-{uuid.uuid4().hex[:8]}"
    with Connection(stack.settings.broker_url) as connection:
        old = Queue(name, TASK_EXCHANGE, routing_key=name, durable=True)
        old(connection.default_channel).declare()
        producer = Producer(connection)
        for number in range(3):
            producer.publish({"n": number}, exchange=TASK_EXCHANGE, routing_key=name, delivery_mode=2)
        with pytest.raises(PreconditionFailed):
            task_queue(name)(connection.channel()).declare()
        assert declare_task_queues(connection, [task_queue(name)]) == [name]
        assert declare_task_queues(connection, [task_queue(name)]) == [], "a second start changes nothing"
        channel = connection.channel()
        bodies = []
        while (message := channel.basic_get(name, no_ack=False)) is not None:
            bodies.append(_body(message))
            channel.basic_reject(message.delivery_info["delivery_tag"], requeue=False)
        assert sorted(bodies) == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']
        dead = [message for message in _dead_letters(connection) if _death(message).get("queue") == name]
        assert len(dead) == 3, "the queue's new arguments dead-letter what it rejects"
        connection.channel().queue_delete(name)
