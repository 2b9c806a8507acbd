"""The pipeline benchmark's one-record-per-call workload: Hacker News items fetched one by one.

A page of 100 records spreads the pipeline's own cost per call over 100 records; an item is one
record per call, so here that cost is all there is. The same items are fetched by a sequential
`requests` loop (the baseline) and by one pull (`items=[...]`) whose nodes run at once on the
Hacker News pool's fetchers. Both meet the sandbox with the same latency per call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests

import ingest
from stack_cpu import CpuReading

ITEMS = 500  # the sandbox's new stories list holds 500 ids, as Hacker News's does
COLLECTION = "hn_items"


@dataclass
class ItemsRun:
    name: str
    fetchers: int
    seconds: float
    calls: int
    records: int
    cores: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def cpu_ms_per_call(self, part: str) -> float:
        return self.cores.get(part, 0.0) * self.seconds / max(1, self.calls) * 1000


def item_ids(sandbox_url: str, count: int = ITEMS) -> list[int]:
    answer = requests.get(f"{sandbox_url}/hn/v0/newstories.json", timeout=30)
    answer.raise_for_status()
    return answer.json()[:count]


def run_sequential(sandbox_url: str, ids: list[int]) -> ItemsRun:
    """The naive loop: one item after the other on one session."""
    stored = 0
    started = time.perf_counter()
    with requests.Session() as session:
        for item_id in ids:
            answer = session.get(f"{sandbox_url}/hn/v0/item/{item_id}.json", timeout=30)
            answer.raise_for_status()
            stored += answer.json() is not None
    seconds = time.perf_counter() - started
    problems = [] if stored == len(ids) else [f"items baseline: {stored} of {len(ids)} items answered"]
    return ItemsRun("items: sequential requests loop", 1, seconds, len(ids), stored, problems=problems)


def run_pull(settings, sandbox_url: str, ids: list[int], fetchers: int, pids: dict[str, list[int]],
             limits: dict, deadline_seconds: float, calls_counted) -> ItemsRun:
    """One pull of every item; `calls_counted()` answers the sandbox's count of calls so far."""
    name = f"items: pipeline, {fetchers} fetchers"
    calls_before = calls_counted()
    cpu_before = CpuReading.take(pids)
    started = time.perf_counter()
    job = ingest.pull("hackernews", base_url=f"{sandbox_url}/hn", items=ids, limits=limits, settings=settings)
    try:
        status = job.wait(timeout=deadline_seconds, poll=0.2)
    except TimeoutError:
        status = job.status()
    seconds = time.perf_counter() - started
    cores = CpuReading.take(pids).cores_since(cpu_before, seconds)
    calls = calls_counted() - calls_before
    stored = sorted(job.record_ids(COLLECTION))
    problems = []
    if status["state"] != "completed" or stored != sorted(map(str, ids)):
        problems.append(f"{name}: job {status['state']} with {len(stored)} of {len(ids)} items stored")
    if calls != len(ids) or status["counts"]["calls"] != len(ids):
        problems.append(f"{name}: {calls} calls counted by the sandbox, {status['counts']['calls']} by the job, "
                        f"for {len(ids)} items")
    return ItemsRun(name, fetchers, seconds, calls, len(stored), cores, problems)


def items_line(baseline: ItemsRun, run: ItemsRun) -> str:
    ratio = run.calls_per_second / baseline.calls_per_second if baseline.calls_per_second else 0.0
    return (f"one record per call ({baseline.calls} Hacker News items): N={run.fetchers} "
            f"{run.calls_per_second:.1f} calls/s against {baseline.calls_per_second:.1f} calls/s sequential "
            f"({ratio:.2f}x, {ratio / run.fetchers:.2f} x N); cpu per call "
            f"{sum(run.cpu_ms_per_call(part) for part in run.cores if part not in ('machine', 'other')):.0f} ms "
            f"(workers {run.cpu_ms_per_call('workers'):.1f} ms, store {run.cpu_ms_per_call('docstore'):.1f} ms)")
