"""The worker's consumer: a message whose body cannot be decoded is rejected, not acknowledged.

Celery acknowledges such a message after logging it, which drops it. Rejected without requeue,
it goes to the dead-letter queue `ingest.dead` instead, where it can be inspected.
"""

from __future__ import annotations

import logging

from celery.worker.consumer import Consumer

log = logging.getLogger(__name__)


class DeadLetteringConsumer(Consumer):
    def on_decode_error(self, message, exc) -> None:
        log.critical("cannot decode a message (%s: %s; content type %r, %d bytes): moved to ingest.dead",
                     type(exc).__name__, exc, message.content_type, len(message.body or b""))
        message.reject(requeue=False)
