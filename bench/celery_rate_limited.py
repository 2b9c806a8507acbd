"""The baseline of `limits_known_vs_celery`: a plain Celery app whose one task makes one GET,
held only by Celery's own `rate_limit` (a token bucket in each worker process, per task type).

Its workers run as `python -m celery -A celery_rate_limited worker` with bench/ on the path and
the own stack's INGEST_* variables (for the broker); the rate limit comes in
BENCH_CELERY_RATE_LIMIT, in Celery's syntax ("10/s").
"""

from __future__ import annotations

import os

import requests
from celery import Celery

from ingest.settings import Settings

QUEUE = "bench.celery_rate_limited"
TASK = "bench.rate_limited_get"
TIMEOUTS = (3.05, 10.0)

app = Celery("celery_rate_limited", broker=Settings.from_env().broker_url)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name=TASK, rate_limit=os.environ.get("BENCH_CELERY_RATE_LIMIT"))
def rate_limited_get(url: str) -> int:
    return requests.get(url, timeout=TIMEOUTS).status_code
