"""The Celery app the workers run: `celery -A workers.app worker`."""

from ingest.broker import make_celery
from ingest.settings import get_settings

app = make_celery(get_settings(), name="workers")
app.conf.include = ["workers.tasks"]
