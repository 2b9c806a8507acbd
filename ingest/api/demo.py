"""`ingest demo`: the main job on the local stack, end to end, saying what ran where.

One probe task shows the path (RabbitMQ, a worker, Redis, the document store); then one pull
per source against the sandbox, all at once, under the sources' published rate limits; then
the quickstart notebook, executed headless, with the path of the executed copy.
"""

from __future__ import annotations

import time

import requests

from ingest import credentials

from ingest.storage import mongo
from ingest.messaging.config import DEFAULT_QUEUE, make_celery
from ingest.errors import StackError
from ingest.api.jobs import Job
from ingest.api.pull import pull
from ingest.settings import PROJECT_ROOT, Settings, mask_url
from ingest.view.snapshot import refusal_share_text

DEMO_TOKEN_NAME = "sandbox-demo"
QUICKSTART = "01_quickstart.ipynb"


def demo_pulls(sandbox_url: str) -> dict[str, dict]:
    return {
        "mastodon": {"base_url": f"{sandbox_url}/mastodon", "tag": "python", "limit": 200},
        "reddit": {"base_url": f"{sandbox_url}/reddit", "subreddit": "python", "limit": 300,
                   "credential": DEMO_TOKEN_NAME},
        "hackernews": {"base_url": f"{sandbox_url}/hn", "list": "top", "limit": 30},
        "bluesky": {"base_url": f"{sandbox_url}/bsky", "q": "python", "limit": 300},
        "rest": {"preset": "github_issues", "base_url": f"{sandbox_url}/github", "owner": "psf",
                 "repo": "requests", "limit": 300, "credential": DEMO_TOKEN_NAME},
    }


def _probe(settings: Settings, timeout: float) -> None:
    app = make_celery(settings)
    started = time.perf_counter()
    result = app.send_task("ingest.probe", kwargs={"note": "demo"}, queue=DEFAULT_QUEUE)
    outcome = result.get(timeout=timeout)
    print(f"probe: published to {DEFAULT_QUEUE} via {mask_url(settings.broker_url)}, ran on "
          f"{outcome['worker']} (pid {outcome['pid']}), result back through "
          f"{mask_url(settings.redis_url)} in {(time.perf_counter() - started) * 1000:.0f} ms, document in "
          f"{outcome['database']}.{outcome['collection']} at {mask_url(settings.mongo_url)}")
    app.close()


def run(settings: Settings, timeout: float = 300.0) -> int:
    try:
        requests.get(f"{settings.sandbox_url}/_admin/health", timeout=3).raise_for_status()
    except requests.RequestException:
        raise StackError("the sandbox does not answer; start the stack with `ingest up --sandbox`") from None
    _probe(settings, timeout=60.0)
    credentials.save(DEMO_TOKEN_NAME, "sandbox-demo-token", settings)
    started = time.perf_counter()
    jobs: dict[str, Job] = {source: pull(source, settings=settings, **params)
                            for source, params in demo_pulls(settings.sandbox_url).items()}
    print(f"started {len(jobs)} pulls in {(time.perf_counter() - started) * 1000:.0f} ms; waiting for them")
    print(f"{'source':<12} {'state':<22} {'records':>8} {'calls':>6} {'waits':>6} {'refusals':>8} {'of calls':>8} "
          f"{'errors':>6} {'seconds':>8}")
    failures = 0
    for source, job in jobs.items():
        status = job.wait(timeout=timeout)
        counts = status["counts"]
        seconds = (status["finished"] - status["created"]).total_seconds()
        failures += status["state"] != "completed"
        print(f"{source:<12} {status['state']:<22} {counts['records']:>8} {counts['calls']:>6} "
              f"{counts['waits']:>6} {counts['refusals']:>8} {refusal_share_text(counts) or '-':>8} "
              f"{counts['errors']:>6} {seconds:>8.1f}")
    database = mongo.database(settings)
    print(f"records are in {database.name} at {mask_url(settings.mongo_url)}: "
          + ", ".join(f"{name} {database[name].estimated_document_count()}"
                      for name in ("mastodon_statuses", "reddit_posts", "hn_items", "bsky_posts", "rest_github_issues")))
    failures += not _run_quickstart(settings)
    print(f"all done in {time.perf_counter() - started:.1f} s; the stack keeps running (`ingest down` stops it)")
    print("open the notebooks with: .venv/bin/jupyter lab notebooks/")
    return 1 if failures else 0


def _run_quickstart(settings: Settings) -> bool:
    """The quickstart notebook, executed headless against this stack; answers whether it ran
    without an error."""
    import papermill

    notebook = PROJECT_ROOT / "notebooks" / QUICKSTART
    executed = settings.data_dir / "notebooks" / QUICKSTART
    executed.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(notebook), str(executed), kernel_name="python3", cwd=str(notebook.parent),
                                   progress_bar=False, execution_timeout=600)
    except papermill.PapermillExecutionError as error:
        print(f"quickstart: failed in cell {error.exec_count}: {error.ename}: {error.evalue}; see {executed}")
        return False
    print(f"quickstart: executed headless in {time.perf_counter() - started:.1f} s: {executed}")
    return True
