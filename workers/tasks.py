"""Tasks the workers run. Each task is thin: the work lives in `ingest/`."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone

from celery import shared_task

from ingest import store
from ingest.settings import get_settings


@shared_task(name="ingest.probe", bind=True)
def probe(self, note: str = "") -> dict:
    """Write one document and say where this ran: proves broker, worker, store and results."""
    settings = get_settings()
    database = store.database(settings)
    ran_at = datetime.now(timezone.utc)
    document = {
        "_id": self.request.id,
        "note": note,
        "worker": self.request.hostname,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "queue": (self.request.delivery_info or {}).get("routing_key"),
        "ran_at": ran_at,
    }
    database[store.PROBES].replace_one({"_id": document["_id"]}, document, upsert=True)
    return {**document, "ran_at": ran_at.isoformat(), "collection": store.PROBES, "database": database.name}
