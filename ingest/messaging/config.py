"""The Celery configuration shared by the notebook side (which publishes) and the workers.

RabbitMQ carries the messages, Redis keeps the results. Messages are JSON only: a message in
any other format (pickle above all) is refused by the worker. One durable queue per source
family, each served by its own pool of workers, keeps a throttled API from starving the others;
the registered sources declare them (`ingest.connectors.registry`).

Nothing is lost on the way: messages are persistent, every publish waits for the broker's
confirm and is retried across a broker restart, and a task is acknowledged only after it ran.
A message no worker can run (undecodable, unknown task, refused content, a task that failed
for good) is rejected into the durable dead-letter queue `ingest.dead`, where it stays to be
inspected, instead of being dropped or redelivered for ever.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from ingest.connectors import registry
from ingest.settings import Settings

DEFAULT_QUEUE = "ingest.default"

TASK_EXCHANGE = Exchange("ingest", type="direct", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("ingest.dead", type="fanout", durable=True)
DEAD_LETTER_QUEUE = Queue("ingest.dead", DEAD_LETTER_EXCHANGE, durable=True)
TASK_QUEUE_ARGUMENTS = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name}
# Long enough to ride out a broker restart: about a minute of attempts, 2 s apart at most.
PUBLISH_RETRY_POLICY = {"max_retries": 30, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2.0}


def source_queues() -> tuple[str, ...]:
    """The queue of each source family, as the registered sources declare them."""
    return registry.queues()


def all_queues() -> tuple[str, ...]:
    return (DEFAULT_QUEUE, *source_queues())


def queue_family(queue: str) -> str:
    """The source family a queue serves: `ingest.mastodon` -> `mastodon`."""
    return queue.removeprefix("ingest.")


def task_queue(name: str) -> Queue:
    return Queue(name, TASK_EXCHANGE, routing_key=name, durable=True, queue_arguments=dict(TASK_QUEUE_ARGUMENTS))


def celery_config(settings: Settings) -> dict:
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure": False,
        "worker_prefetch_multiplier": 1,
        # After a broker reconnect Celery lowers the prefetch count, then raises it again from
        # whichever thread acknowledges a task; under the thread pool that second AMQP user of
        # the consumer's connection wedges it until the broker drops it for missed heartbeats.
        "worker_enable_prefetch_count_reduction": False,
        "broker_transport_options": {"confirm_publish": True},
        "task_publish_retry": True,
        "task_publish_retry_policy": dict(PUBLISH_RETRY_POLICY),
        "broker_connection_retry_on_startup": True,
        "task_default_delivery_mode": "persistent",
        "task_queues": [task_queue(name) for name in all_queues()],
        "task_default_queue": DEFAULT_QUEUE,
        "task_default_exchange": TASK_EXCHANGE.name,
        "task_default_routing_key": DEFAULT_QUEUE,
        "task_ignore_result": False,
        "result_expires": 7 * 24 * 3600.0,
        # A worker stores a task's state in Redis before and after running it; if that store
        # raised while Redis restarts, the message would be neither acknowledged nor rejected
        # and its node would never run again. Wait for Redis instead, up to about two minutes.
        "result_backend_always_retry": True,
        "result_backend_max_retries": 60,
        "result_backend_base_sleep_between_retries_ms": 50,
        "result_backend_max_sleep_between_retries_ms": 2000,
        # Task events cost every task a few messages; Flower, when it runs, turns them on.
        "worker_send_task_events": False,
        "task_send_sent_event": False,
        "worker_hijack_root_logger": False,
    }


def make_celery(settings: Settings, name: str = "ingest") -> Celery:
    app = Celery(name)
    app.conf.update(celery_config(settings))
    return app
