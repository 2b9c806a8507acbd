"""Declaring the task queues on the broker, and moving queues made by an older version.

RabbitMQ refuses to declare a durable queue again with other arguments (PRECONDITION_FAILED).
Task queues made before they had a dead-letter exchange lack that argument, so a worker on an
existing data directory would fail to start. `declare_task_queues` moves such a queue's
messages into a holding queue, declares the queue anew and moves them back; a holding queue
left by an interrupted move is emptied back on the next start. No message is dropped.
"""

from __future__ import annotations

import logging

from amqp import Message
from amqp.exceptions import NotFound, PreconditionFailed
from kombu import Connection, Queue

from ingest.errors import QueueBusyError
from ingest.messaging.config import DEAD_LETTER_QUEUE
from ingest.messaging.publisher import DELAY_BUCKETS, delay_queue

log = logging.getLogger(__name__)

HOLDING_SUFFIX = ".upgrading"
DELETE_ATTEMPTS = 5


def _declare(connection: Connection, queue: Queue) -> bool:
    """Declare; False when the queue exists with other arguments (the channel is then gone)."""
    channel = connection.channel()
    try:
        queue(channel).declare()
        return True
    except PreconditionFailed:
        return False
    finally:
        _close(channel)


def _close(channel) -> None:
    try:
        channel.close()
    except Exception:  # noqa: BLE001 - a channel the broker closed already
        pass


def _exists(connection: Connection, name: str) -> bool:
    channel = connection.channel()
    try:
        channel.queue_declare(name, passive=True)
        return True
    except NotFound:
        return False
    finally:
        _close(channel)


def move_messages(connection: Connection, source: str, target: str, into: Connection | None = None) -> int:
    """Move every message of `source` to the queue `target` (by the default exchange) on the
    same broker connection or on `into` (another vhost), each one published and confirmed
    before it is acknowledged. Answers how many moved."""
    channel = connection.channel()
    target_channel = into.channel() if into is not None else channel
    moved = 0
    try:
        while (message := channel.basic_get(source, no_ack=False)) is not None:
            target_channel.basic_publish_confirm(Message(message.body, **message.properties), exchange="",
                                                 routing_key=target)
            channel.basic_ack(message.delivery_info["delivery_tag"])
            moved += 1
    finally:
        _close(channel)
        if target_channel is not channel:
            _close(target_channel)
    return moved


def durable_queues(queues: list[Queue]) -> dict[str, Queue]:
    """Every durable queue the workbench declares, by name: the task queues given, the
    dead-letter queue and each source queue's delay queues."""
    declared = [*queues, DEAD_LETTER_QUEUE]
    declared += [delay_queue(queue.name, bucket) for queue in queues for bucket in DELAY_BUCKETS]
    return {queue.name: queue for queue in declared}


def _redeclare(connection: Connection, queue: Queue) -> None:
    holding = Queue(queue.name + HOLDING_SUFFIX, durable=True)
    holding(connection.default_channel).declare()
    for _ in range(DELETE_ATTEMPTS):
        moved = move_messages(connection, queue.name, holding.name)
        channel = connection.channel()
        try:
            channel.queue_delete(queue.name, if_empty=True)
            break
        except PreconditionFailed:
            log.info("queue %s took new messages while being moved; moving again", queue.name)
        finally:
            _close(channel)
    else:
        raise QueueBusyError(f"queue {queue.name} kept taking messages; stop every client, then start again")
    queue(connection.default_channel).declare()
    log.warning("queue %s declared anew with arguments %s; %d messages kept",
                queue.name, queue.queue_arguments, moved)


def declare_task_queues(connection: Connection, queues: list[Queue]) -> list[str]:
    """Declare the dead-letter queue and every task queue; answers the names moved to new
    arguments."""
    DEAD_LETTER_QUEUE(connection.default_channel).declare()
    renewed = []
    for queue in queues:
        if not _declare(connection, queue):
            _redeclare(connection, queue)
            renewed.append(queue.name)
        holding = queue.name + HOLDING_SUFFIX
        if _exists(connection, holding):
            move_messages(connection, holding, queue.name)
            channel = connection.channel()
            try:
                channel.queue_delete(holding, if_empty=True)
            except PreconditionFailed:
                log.warning("holding queue %s is not empty yet; it is emptied on the next start", holding)
            finally:
                _close(channel)
    return renewed
