"""The Celery app the workers run: `celery -A workers.app worker`."""

from celery.signals import celeryd_init

from ingest.messaging.config import make_celery
from ingest.messaging.queues import declare_task_queues
from ingest.settings import get_settings

app = make_celery(get_settings(), name="workers")
app.conf.include = ["workers.tasks"]
app.conf.worker_consumer = "workers.consumer:DeadLetteringConsumer"


@celeryd_init.connect
def _declare_queues(**_kwargs) -> None:
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=30, interval_start=0.5, interval_step=0.5, interval_max=2.0)
        declare_task_queues(connection, list(app.conf.task_queues))
