"""Publishing node tasks, now or later.

A node that must wait never waits in a worker's pool slot; a wait on a rate limit is spent in
the limit's waiting room (`ingest.waiting_room`), and a node released from it is sent at once
with its permit (`granted_at`). A wait of
a few seconds is a Celery countdown, held in the worker's memory until due: it costs one
delivery, where a delay queue would bring the node back early to wait again. A longer wait is
not held in a worker's memory (RabbitMQ closes a channel whose deliveries stay unacknowledged
too long): it is published to a delay queue that no one consumes, whose messages expire after
a fixed time and are dead-lettered back to the node's own queue. Waits are rounded down to a
bucket. A wait that must be kept in full carries its due time, and a node that arrives before
it is published again for the rest: a backoff (its jitter is the point).

Every publish waits for the broker's confirm and is retried, queue declaration included,
across a broker restart (see `ingest.messaging.config.PUBLISH_RETRY_POLICY`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from celery import Celery
from kombu import Exchange, Queue

from ingest.messaging.config import TASK_EXCHANGE, source_queues, task_queue

FETCH_TASK = "ingest.fetch"
TASK_QUEUE_PREFIX = "ingest."
DELAY_EXCHANGE = Exchange("ingest.delay", type="direct", durable=True)
DELAY_BUCKETS = (5.0, 15.0, 60.0, 300.0, 1800.0)


def delay_queue(target: str, bucket: float) -> Queue:
    name = f"{target}.delay.{int(bucket)}s"
    return Queue(
        name, DELAY_EXCHANGE, routing_key=name, durable=True,
        queue_arguments={
            "x-message-ttl": int(bucket * 1000),
            "x-dead-letter-exchange": TASK_EXCHANGE.name,
            "x-dead-letter-routing-key": target,
        },
    )


@lru_cache(maxsize=None)
def declared_queue(name: str) -> Queue:
    """A source queue as it is declared. Sent by name, a queue registered after the app was
    configured would be declared by Celery without its dead-letter argument, which RabbitMQ
    refuses once a worker has declared it with one."""
    return task_queue(name)


def bucket_for(delay: float) -> float | None:
    """The longest bucket not longer than the delay; None when the delay is below them all."""
    fitting = [bucket for bucket in DELAY_BUCKETS if bucket <= delay]
    return fitting[-1] if fitting else None


@dataclass(frozen=True)
class Publisher:
    """Sends `ingest.fetch(job_id, node_id)` to a source family's queue. The task id is the node
    id, so a node's outcome is its Celery result (see `jobtree.JobTree`). The task stores that
    result itself; sent as ignoring its result, the sender does not subscribe to every task's
    result as it sends it (a worker sends thousands), and a result is read when it is asked for."""

    app: Celery

    def publish(self, job_id: str, node_id: str, queue: str, delay: float = 0.0, exact: bool = False,
                granted_at: float | None = None) -> None:
        """Run the node after `delay` seconds; with `exact`, not a moment before. `granted_at`:
        the node carries the permit a waiting room released it with (sent at once)."""
        if queue not in source_queues():
            raise ValueError(f"unknown queue {queue!r}")
        self._send(job_id, node_id, queue, delay, exact, granted_at)

    def release(self, job_id: str, node_id: str, queue: str, granted_at: float | None = None) -> None:
        """Send a node released from a waiting room, with its permit, to the queue the worker that
        parked it named: this process may not have that queue's source registered (a source
        defined elsewhere, served by workers of its own)."""
        if not queue.startswith(TASK_QUEUE_PREFIX):
            raise ValueError(f"{queue!r} is not a task queue (they start with {TASK_QUEUE_PREFIX!r})")
        self._send(job_id, node_id, queue, 0.0, False, granted_at)

    def _send(self, job_id: str, node_id: str, queue: str, delay: float, exact: bool,
              granted_at: float | None) -> None:
        bucket = bucket_for(delay)
        if bucket is None:
            self.app.send_task(
                FETCH_TASK, args=[job_id, node_id], queue=declared_queue(queue),
                kwargs={"granted_at": granted_at} if granted_at is not None else None,
                countdown=delay if delay > 0 else None, task_id=node_id, ignore_result=True,
            )
            return
        waiting = delay_queue(queue, bucket)
        kwargs = {"due": time.time() + delay} if exact and bucket < delay else {}
        self.app.send_task(
            FETCH_TASK, args=[job_id, node_id], kwargs=kwargs, exchange=DELAY_EXCHANGE.name,
            routing_key=waiting.name, declare=[waiting], task_id=node_id, ignore_result=True,
        )
