"""The Celery configuration shared by the notebook side (which publishes) and the workers.

RabbitMQ carries the messages, Redis keeps the results. Messages are JSON only: a message in
any other format (pickle above all) is refused by the worker. One durable queue per source
family keeps a throttled API from starving the others.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from ingest.settings import Settings

DEFAULT_QUEUE = "ingest.default"
SOURCE_QUEUES = ("ingest.mastodon", "ingest.reddit", "ingest.hackernews", "ingest.bluesky", "ingest.rest")
ALL_QUEUES = (DEFAULT_QUEUE, *SOURCE_QUEUES)

TASK_EXCHANGE = Exchange("ingest", type="direct", durable=True)


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
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {"confirm_publish": True},
        "broker_connection_retry_on_startup": True,
        "task_default_delivery_mode": "persistent",
        "task_queues": [
            Queue(name, TASK_EXCHANGE, routing_key=name, durable=True) for name in ALL_QUEUES
        ],
        "task_default_queue": DEFAULT_QUEUE,
        "task_default_exchange": TASK_EXCHANGE.name,
        "task_default_routing_key": DEFAULT_QUEUE,
        "task_track_started": True,
        "task_ignore_result": False,
        "result_expires": 7 * 24 * 3600.0,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
    }


def make_celery(settings: Settings, name: str = "ingest") -> Celery:
    app = Celery(name)
    app.conf.update(celery_config(settings))
    return app
