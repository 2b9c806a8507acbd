"""Pipeline throughput: ~50,000 records from the sandbox at 100 ms a call, through the pipeline
with N concurrent fetchers, against a sequential `requests` loop over the same pages.

Starts a stack of its own (`ingest up --sandbox`, data in data/bench-throughput, ports from
19600) and stops it at the end, also on an error or Ctrl-C. The workload (see
`throughput_workload`) is 110 independent listings of at most 5 pages of 100 (Bluesky searches
cut into time slices, Reddit subreddit listings), 531 pages and 49,658 records in all, started
as 110 pulls at once. Measured in the same run:

- baseline: one `requests` session fetching the same pages one after the other, following the
  same cursors, against the same sandbox with the same latency;
- the pipeline with 1, 2, 8 and 32 threads in one worker process per pool, and 32 split over 2
  and 4 processes per pool. The stack runs one pool per source family and the workload keeps
  two busy (Bluesky's and Reddit's), so N = 2, 4, 16 and 64 fetchers. The stack restarts
  between runs, and each run writes to a database of its own.
  A run still going after the baseline's time is stopped and reported unfinished.

Then the one-record-per-call workload (`throughput_items`): 500 Hacker News items fetched one
by one, by a sequential loop and by one pull on a Hacker News pool of `--items-fetchers` threads
(16 by default), in the same run.

For each run it checks that every job stored exactly the sandbox's ground truth, that no page
was stored twice and that the sandbox counted one call per page; it prints the speedup
(baseline time / pipeline time), the speedup per fetcher, and the CPU that each part of the
stack used, from which it says where the curve bends and why.

Run: `.venv/bin/python bench/pipeline_throughput.py [--threads 1 2 8 32] [--no-split] [--items-fetchers 16]`; it
takes at most about fifteen minutes and stops by itself.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests
from pymongo.errors import PyMongoError

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import ingest  # noqa: E402
from ingest import credentials  # noqa: E402
from ingest.storage import mongo  # noqa: E402
from ingest.messaging.config import make_celery  # noqa: E402
from ingest.settings import Settings  # noqa: E402
from ingest.runtime import Runtime  # noqa: E402
from ingest.jobtree.tree import Tree  # noqa: E402

from stack_cpu import CpuReading, stack_pids  # noqa: E402
from throughput_report import Run, conclusion, print_table, speedup, summary_line  # noqa: E402
import throughput_items  # noqa: E402
from throughput_workload import PAGE_SIZE, SOURCES, Listing, page_ids_and_cursor, plan, walk  # noqa: E402

DATA_DIR = REPO_ROOT / "data" / "bench-throughput"
LOCK_FILE = REPO_ROOT / "data" / "bench-throughput.lock"
PORT_BASE = 19600
INGEST = [sys.executable, "-m", "ingest"]
LATENCY = 0.1
LIMIT_SCALE = 1000  # the sandbox's published limits, a thousand times higher: nothing is refused
LATENCY_SCENARIO = {"limit_scale": LIMIT_SCALE, "apis": {"*": {"latency": {"fixed": LATENCY}}}}
PLANNING_SCENARIO = {"limit_scale": LIMIT_SCALE}
# Keeps our limiter in the path without pacing: 10,000 calls a second, grants at least 0.1 ms
# apart. Much larger limits cost more than they spare: a limit's first use in a new Redis writes
# one log entry per allowed request into Redis.
PULL_LIMITS = {"requests": 10_000, "window": 1.0}
REDDIT_CREDENTIAL = "bench-reddit"
REDDIT_TOKEN = "bench-reddit-token"
# A run still going after this many times the baseline's time is stopped and reported unfinished:
# it is then below 1 / RUN_DEADLINE_FACTOR of the naive loop's speed whatever N is.
RUN_DEADLINE_FACTOR = 1.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Layout:
    """Worker processes and threads of each pool; the stack runs one pool per source family, and
    the workload keeps `len(SOURCES)` of them busy."""

    processes: int
    threads: int

    @property
    def fetchers(self) -> int:
        return len(SOURCES) * self.processes * self.threads

    def __str__(self) -> str:
        return f"{self.processes}x{self.threads}"


class Stack:
    """The benchmark's own stack, driven through the `ingest` command."""

    def __init__(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_") or k.endswith("_BIN")}
        self.env = {**inherited, "INGEST_DATA_DIR": str(DATA_DIR), "INGEST_PORT_BASE": str(PORT_BASE),
                    "INGEST_WORKER_POOL": "threads"}
        self.settings = Settings.from_env(self.env)

    def _ingest(self, *arguments: str, env: dict[str, str] | None = None) -> None:
        answer = subprocess.run([*INGEST, *arguments], env=env or self.env, cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=300)
        if answer.returncode != 0:
            raise RuntimeError(f"ingest {' '.join(arguments)} failed:\n{answer.stdout}{answer.stderr}")

    def wipe(self) -> None:
        """Stopped, and no state left from an earlier benchmark: no queued tasks, no records."""
        self._ingest("down")
        shutil.rmtree(DATA_DIR, ignore_errors=True)

    def up(self, layout: Layout) -> Settings:
        """(Re)started with this worker layout, its task queues empty and an empty database of
        its own; answers the settings that name that database."""
        env = {**self.env, "INGEST_WORKER_PROCESSES": str(layout.processes),
               "INGEST_WORKER_CONCURRENCY": str(layout.threads), "INGEST_MONGO_DB": f"bench_{layout}"}
        self._ingest("down")
        self._ingest("up", "--sandbox", env=env)
        self._purge_task_queues()
        return Settings.from_env(env)

    def _purge_task_queues(self, attempts: int = 10) -> None:
        """Drop tasks left by an unfinished run; RabbitMQ may still refuse connections just after start."""
        for attempt in range(attempts):
            try:
                make_celery(self.settings).control.purge()
                return
            except OSError:
                if attempt == attempts - 1:
                    raise
                time.sleep(1.0)

    def down(self) -> None:
        self._ingest("down")

    def pids(self) -> dict[str, list[int]]:
        return stack_pids(INGEST, self.env)


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def scenario(self, document: dict) -> None:
        requests.put(f"{self.url}/_admin/scenario", json=document, timeout=10).raise_for_status()

    def counters(self) -> dict:
        return requests.get(f"{self.url}/_admin/counters", timeout=10).json()

    def truth(self, listing: Listing) -> list[str]:
        answer = requests.get(f"{self.url}/_admin/truth", params={"path": listing.truth_path()}, timeout=60)
        answer.raise_for_status()
        ids = answer.json()["ids"]
        return ids if listing.limit is None else ids[:listing.limit]


def calls_between(before: dict, after: dict) -> tuple[int, dict[str, int]]:
    """API calls the sandbox answered between two counter readings, and their statuses."""
    calls = sum(after["by_api"].values()) - sum(before["by_api"].values())
    statuses = {status: count - before["by_status"].get(status, 0)
                for status, count in after["by_status"].items() if count != before["by_status"].get(status, 0)}
    return calls, statuses


def base_url(sandbox: Sandbox, listing: Listing) -> str:
    return sandbox.url + "/" + listing.path.split("/")[1]


def run_baseline(workload: list[Listing], truths: list[list[str]], sandbox: Sandbox) -> tuple[Run, list[int]]:
    """The naive loop: every page of every listing, one after the other, on one session."""
    headers = {"reddit": {"Authorization": f"bearer {REDDIT_TOKEN}"}}
    pages_per_listing = []
    problems = []
    fetched = 0
    before = sandbox.counters()
    started = time.perf_counter()
    with requests.Session() as session:
        for listing, truth in zip(workload, truths):
            ids: list[str] = []
            pages = 0
            for body in walk(listing, session, sandbox.url, headers.get(listing.api)):
                ids += page_ids_and_cursor(listing, body)[0]
                pages += 1
            pages_per_listing.append(pages)
            fetched += len(ids)
            if ids != truth:
                problems.append(f"baseline: {listing.truth_path()} gave {len(ids)} ids, not the {len(truth)} expected")
    seconds = time.perf_counter() - started
    calls, statuses = calls_between(before, sandbox.counters())
    pages = sum(pages_per_listing)
    if calls != pages or set(statuses) != {"200"}:
        problems.append(f"baseline: the sandbox counted {calls} calls ({statuses}) for {pages} pages")
    expected = sum(map(len, truths))
    return Run("baseline: sequential requests loop", 1, seconds, pages, calls, fetched, expected,
               problems=problems), pages_per_listing


def wait_for_all(database, tree: Tree, job_ids: list[str], deadline: float) -> bool:
    """True once none of the jobs is running; False at the deadline. Polls the jobs' tallies in
    Redis, and the store only once they show no live node, so that watching does not load the
    store it measures (on FerretDB a filtered count decodes every job document)."""
    while True:
        if all(tree.tally.counts(job_id) is not None and tree.tally.counts(job_id).live == 0 for job_id in job_ids) \
                and database[mongo.JOBS].count_documents({"_id": {"$in": job_ids}, "state": "running"}) == 0:
            return True
        if time.perf_counter() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def node_totals(tree: Tree, job_ids: list[str]) -> dict[str, int]:
    totals = {"records": 0, "waits": 0}
    for job_id in job_ids:
        counts = tree.counts(job_id).totals
        for name in totals:
            totals[name] += counts[name]
    return totals


def run_pipeline(workload: list[Listing], truths: list[list[str]], pages_per_listing: list[int],
                 stack: Stack, settings: Settings, sandbox: Sandbox, layout: Layout, deadline_seconds: float) -> Run:
    """One run; a store that stops answering ends it as unfinished, with what the sandbox counted."""
    name = (f"pipeline, {layout.processes} process{'es' if layout.processes > 1 else ''} x "
            f"{layout.threads} thread{'s' if layout.threads > 1 else ''} x {len(SOURCES)} pools")
    pids = stack.pids()
    counters_before = sandbox.counters()
    cpu_before = CpuReading.take(pids)
    started = time.perf_counter()
    try:
        return measure_pipeline(name, workload, truths, pages_per_listing, settings, sandbox, layout,
                                started + deadline_seconds, counters_before, cpu_before, pids)
    except PyMongoError as error:
        observed = time.perf_counter() - started
        calls, _ = calls_between(counters_before, sandbox.counters())
        cores = CpuReading.take(pids).cores_since(cpu_before, observed)
        problem = f"{layout}: the document store failed the run after {observed:.0f} s: {str(error)[:160]}"
        return Run(name, layout.fetchers, observed, sum(pages_per_listing), calls, 0, sum(map(len, truths)),
                   observed_seconds=observed, finished=False, cores=cores, problems=[problem])


def measure_pipeline(name: str, workload: list[Listing], truths: list[list[str]], pages_per_listing: list[int],
                     settings: Settings, sandbox: Sandbox, layout: Layout, deadline: float,
                     counters_before: dict, cpu_before: CpuReading, pids: dict[str, list[int]]) -> Run:
    database = mongo.database(settings)
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    jobs = []
    for listing in workload:
        if time.perf_counter() >= deadline:
            break
        jobs.append(ingest.pull(listing.source, base_url=base_url(sandbox, listing), settings=settings,
                                limits=PULL_LIMITS, **listing.pull_params))
    launch_seconds = time.perf_counter() - started
    job_ids = [job.id for job in jobs]
    tree = Runtime.build(settings).tree
    complete = len(jobs) == len(workload) and wait_for_all(database, tree, job_ids, deadline)
    observed = time.perf_counter() - started
    cpu_after = CpuReading.take(pids)
    calls, by_status = calls_between(counters_before, sandbox.counters())
    expected = sum(map(len, truths))
    pages = sum(pages_per_listing)
    cores = cpu_after.cores_since(cpu_before, observed)
    if not complete:
        totals = node_totals(tree, job_ids)
        problem = (f"{layout}: unfinished after {observed:.0f} s ({RUN_DEADLINE_FACTOR:g} x the baseline's time): "
                   f"{calls} of {pages} calls made, {len(jobs)} of {len(workload)} pulls launched in "
                   f"{launch_seconds:.1f} s")
        return Run(name, layout.fetchers, observed, pages, calls, totals["records"], expected, 0,
                   totals["waits"], launch_seconds, observed, False, cores, [problem])

    finished = [document["finished"] for document in database[mongo.JOBS].find({"_id": {"$in": job_ids}})]
    seconds = (max(finished) - started_at).total_seconds()
    stored = stored_ids_by_job(database, {listing.collection for listing in workload})
    totals = node_totals(tree, job_ids)
    problems = []
    wrong = 0
    for truth, listing_pages, job in zip(truths, pages_per_listing, jobs):
        status = job.status()
        if (status["state"] != "completed" or sorted(stored.get(job.id, [])) != sorted(truth)
                or status["counts"]["calls"] != listing_pages):
            wrong += 1
    if wrong:
        problems.append(f"{layout}: {wrong} jobs did not store exactly their ground truth in one call per page")
    if calls != pages or set(by_status) != {"200"}:
        problems.append(f"{layout}: the sandbox counted {calls} calls ({by_status}) for {pages} pages")
    records = sum(len(ids) for job_id, ids in stored.items() if job_id in set(job_ids))
    return Run(name, layout.fetchers, seconds, pages, calls, records, expected, totals["records"] - records,
               totals["waits"], launch_seconds, observed, True, cores, problems)


def stored_ids_by_job(database, collections: set[str]) -> dict[str, list[str]]:
    """Record ids by the jobs that stored them or saw them stored unchanged (`sightings`), in
    one pass over each collection."""
    found: dict[str, list[str]] = {}
    for collection in collections:
        for document in database[collection].find({}, {"_ingest.jobs": 1}):
            for job_id in document.get("_ingest", {}).get("jobs", []):
                found.setdefault(job_id, []).append(document["_id"])
    for sighting in database[mongo.SIGHTINGS].find({"collection": {"$in": sorted(collections)}}, {"job": 1, "key": 1}):
        if sighting["key"] not in found.get(sighting["job"], []):
            found.setdefault(sighting["job"], []).append(sighting["key"])
    return found


def run_items(stack: Stack, sandbox: Sandbox, fetchers: int, deadline_seconds: float):
    """The one-record-per-call workload on a stack restarted with `fetchers` threads a pool: its
    sequential baseline and the pipeline, in the same run."""
    settings = stack.up(Layout(1, fetchers))
    sandbox.scenario(LATENCY_SCENARIO)
    ids = throughput_items.item_ids(sandbox.url)
    baseline = throughput_items.run_sequential(sandbox.url, ids)
    print(f"{baseline.name}: {baseline.seconds:.2f} s for {baseline.calls} items", flush=True)
    run = throughput_items.run_pull(settings, sandbox.url, ids, fetchers, stack.pids(), PULL_LIMITS,
                                    RUN_DEADLINE_FACTOR * deadline_seconds,
                                    lambda: sum(sandbox.counters()["by_api"].values()))
    print(f"{run.name}: {run.seconds:.1f} s, {run.calls} calls, {run.records} records", flush=True)
    return baseline, run


def layouts(threads: list[int], split: bool) -> list[Layout]:
    chosen = [Layout(1, n) for n in threads]
    if split:
        widest = max(threads)
        chosen += [Layout(processes, widest // processes) for processes in (2, 4) if widest // processes >= 4]
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 8, 32],
                        help="threads of each pool's worker process")
    parser.add_argument("--no-split", action="store_true", help="skip the runs over several worker processes")
    parser.add_argument("--items-fetchers", type=int, default=16,
                        help="threads of the Hacker News pool for the one-record-per-call workload (0 skips it)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    lock = LOCK_FILE.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another run of this benchmark holds {LOCK_FILE} and its stack; wait until it ends", file=sys.stderr)
        return 2
    stack = Stack()
    sandbox = Sandbox(stack.settings.sandbox_url)
    chosen = layouts(args.threads, not args.no_split)
    cores = os.cpu_count() or 1
    try:
        stack.wipe()
        credentials.save(REDDIT_CREDENTIAL, REDDIT_TOKEN, stack.settings)
        settings = stack.up(chosen[0])
        sandbox.scenario(PLANNING_SCENARIO)
        workload = plan(sandbox.url, REDDIT_CREDENTIAL)
        truths = [sandbox.truth(listing) for listing in workload]
        sandbox.scenario(LATENCY_SCENARIO)
        print(f"workload: {len(workload)} listings, {sum(map(len, truths))} records, pages of {PAGE_SIZE}, "
              f"{LATENCY * 1000:.0f} ms a call; {cores} cores", flush=True)
        baseline, pages_per_listing = run_baseline(workload, truths, sandbox)
        print(f"{baseline.name}: {baseline.seconds:.2f} s for {baseline.pages} pages", flush=True)
        runs = []
        for number, layout in enumerate(chosen):
            if number:
                settings = stack.up(layout)
                sandbox.scenario(LATENCY_SCENARIO)
            run = run_pipeline(workload, truths, pages_per_listing, stack, settings, sandbox, layout,
                               RUN_DEADLINE_FACTOR * baseline.seconds)
            print(f"{run.name}: {run.seconds:.1f} s{'' if run.finished else ' (unfinished)'}, {run.calls} calls, "
                  f"{run.records} records, speedup {speedup(baseline, run):.2f}", flush=True)
            runs.append(run)
        items = run_items(stack, sandbox, args.items_fetchers, baseline.seconds) if args.items_fetchers else None
    finally:
        stack.down()
    print_table(baseline, runs)
    print()
    for line in conclusion(baseline, runs, cores, len(workload), LATENCY):
        print(line)
    if items is not None:
        print(throughput_items.items_line(*items))
    problems = [problem for run in [baseline, *runs, *(items or ())] for problem in run.problems]
    for problem in problems:
        print("PROBLEM:", problem)
    print(summary_line(baseline, runs))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
