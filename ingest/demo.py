"""`ingest demo`: one task end to end through the running stack, saying what ran where."""

from __future__ import annotations

import time

from ingest import store
from ingest.broker import make_celery
from ingest.settings import Settings, mask_url


def run(settings: Settings, timeout: float = 60.0) -> int:
    app = make_celery(settings)
    started = time.perf_counter()
    result = app.send_task("ingest.probe", kwargs={"note": "demo"}, queue="ingest.default")
    print(f"published task {result.id} to queue ingest.default via {mask_url(settings.broker_url)}")
    outcome = result.get(timeout=timeout)
    elapsed = time.perf_counter() - started
    print(f"ran on worker {outcome['worker']} (pid {outcome['pid']}, host {outcome['host']})")
    print(f"result came back through {mask_url(settings.redis_url)} in {elapsed * 1000:.0f} ms")
    document = store.database(settings)[outcome["collection"]].find_one({"_id": result.id})
    print(f"document stored in {mask_url(settings.mongo_url)} {outcome['database']}.{outcome['collection']}: "
          f"{'found' if document else 'MISSING'}")
    app.close()
    return 0 if document else 1
