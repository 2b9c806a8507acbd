"""What the reliability tests do to their stack and how they judge a job afterwards."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import redis
from celery import Celery
import pytest
from pymongo.errors import PyMongoError

import ingest
from ingest.pipeline.driver import Driver
from ingest.api.jobs import Job
from ingest.settings import Settings
from ingest.stack import status as stack_status
from ingest.stack.services import worker_name
from ingest.stack.supervisor import SupervisorPaths, rpc
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import LIVE_STATES, NodeState
from ingest.runtime import Runtime
from ingest.jobtree.tree import Tree
from tests.sandbox_admin import SandboxAdmin

# The fault tests pull Hacker News, so the worker they kill is that family's pool.
WORKER = worker_name("hackernews", 1)
REDDIT_ENV_CREDENTIAL = "reddit-canary"
# Storage and fault handling are under test, not pacing: a generous known limit keeps the
# limiter in the path without the adaptive ramp-up of an unpublished one.
FAST = {"limits": {"requests": 1000, "window": 10.0}}
HN_TOP = "/hn/v0/topstories.json"


@dataclass
class Outcome:
    """What a job left behind, for the report: expected records, stored, duplicated."""

    status: dict
    expected: int
    stored: int
    duplicated: int
    live_nodes: int
    failed_nodes: list[dict] = field(default_factory=list)


class Stack:
    def __init__(self, settings: Settings, app: Celery, sandbox: SandboxAdmin) -> None:
        self.settings = settings
        self.app = app
        self.sandbox = sandbox
        self.paths = SupervisorPaths.of(settings)
        self.runtime = Runtime.build(settings, app)
        self.db = self.runtime.db
        self.redis = self.runtime.redis

    @property
    def supervisor(self):
        return rpc(self.paths, timeout=120.0).supervisor

    def pid(self, program: str) -> int:
        return int(self.supervisor.getProcessInfo(program)["pid"])

    def kill_worker(self) -> int:
        """SIGKILL the worker; supervisord starts a new one. Answers the killed pid."""
        pid = self.pid(WORKER)
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self, program: str) -> None:
        self.supervisor.stopProcess(program, True)

    def start(self, program: str) -> None:
        self.supervisor.startProcess(program, True)

    def wait_worker_answers(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.supervisor.getProcessInfo(WORKER)
            node = f"{WORKER}@{socket.gethostname()}"
            if info["statename"] == "RUNNING" and self.app.control.ping(destination=[node], timeout=1.0):
                return
            time.sleep(0.3)
        raise AssertionError(f"{WORKER} did not answer within {timeout:g} s")

    def wait_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            parts = stack_status(self.settings, sandbox=True)
            sick = sorted(name for name, part in parts.items() if not part.healthy)
            if not sick:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not healthy after {timeout:g} s: {sick}")
            time.sleep(0.5)

    def wait(self, job: Job, timeout: float) -> dict:
        """job.wait, riding out a store or Redis that restarts meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return job.wait(timeout=max(1.0, deadline - time.monotonic()))
            except (PyMongoError, redis.RedisError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def wait_until(self, job: Job, predicate, timeout: float = 60.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate(job.status()):
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job.id}: {what or 'condition'} not met in {timeout:g} s: {job.status()}")
            time.sleep(0.1)

    def outcome(self, job: Job, status: dict, collection: str, expected: list) -> Outcome:
        """Compare the job's records with the ground truth. `duplicated` counts records beyond
        one per expected id: in the collection (ids are unique there, so 0 unless the key is
        wrong) and in the job's own count of stored records."""
        stored = job.record_ids(collection)
        nodes = node_documents(self.db, job.id)
        live = sum(node["state"] in LIVE_STATES for node in nodes)
        failed = [node for node in nodes if node["state"] == NodeState.FAILED.value]
        duplicated = (len(stored) - len(set(stored))) + max(0, status["counts"]["records"] - len(expected))
        return Outcome(status, len(expected), len(set(stored)), duplicated, live, failed)

    def assert_exact(self, job: Job, status: dict, collection: str, expected: list) -> Outcome:
        result = self.outcome(job, status, collection, expected)
        assert status["state"] == "completed", status
        assert sorted(job.record_ids(collection)) == sorted(expected)
        assert result.duplicated == 0 and status["counts"]["records"] == len(expected), status
        assert result.live_nodes == 0 and not result.failed_nodes
        assert sum(status["nodes"][state] for state in LIVE_STATES) == 0
        return result


def report(name: str, fault: str, outcome: Outcome, happened: str) -> None:
    """One line per scenario, shown with `pytest -s` and kept in the test's output."""
    print(f"\n[reliability] {name} | {fault} | {happened} | expected {outcome.expected} | "
          f"stored {outcome.stored} | duplicated {outcome.duplicated}")


class RecordedPublish:
    """A Driver's publish that only notes the nodes it was asked to publish."""

    def __init__(self) -> None:
        self.published: list[str] = []
        self.delays: list[tuple[float, bool]] = []  # (delay, exact) of each publish

    def __call__(self, job_id: str, node_id: str, queue: str, delay: float = 0.0, exact: bool = False,
                 granted_at: float | None = None) -> None:
        self.published.append(node_id)
        self.delays.append((delay, exact))


def driver_for(stack, limiter=None, **options) -> tuple[Driver, RecordedPublish, Tree]:
    """A Driver of this process on the stack's stores, publishing nowhere. It parks nothing
    in the stack's waiting rooms (their releaser would send the nodes to the stack's workers):
    a node refused a permit is published to ask again later, as when Redis is unreachable."""
    publish = RecordedPublish()
    driver = replace(Driver.of(stack.runtime), publish=publish, parking=None, **options)
    if limiter is not None:
        driver = replace(driver, limiter=limiter)
    return driver, publish, driver.tree


def finished_pull(stack, limits: dict = FAST["limits"]) -> tuple[Job, dict, dict[int, dict]]:
    """A two-page Mastodon pull run to its end: the job, its status, its nodes by page."""
    job = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag="caturday", limit=80,
                      settings=stack.settings, limits=limits)
    status = stack.wait(job, timeout=60)
    assert status["state"] == "completed" and status["total_nodes"] == 2
    nodes = {node["page"]: node for node in node_documents(stack.db, job.id)}
    return job, status, nodes


MASTODON_WORKER = worker_name("mastodon", 1)


@contextmanager
def unpublished_pull(stack, limits: dict) -> Iterator[tuple[str, str]]:
    """A two-page Mastodon pull started while the Mastodon pool is stopped, so that the test
    runs its nodes: the job id and its root's id. The pool starts again at the end and finds
    the root's message for a node that has ended."""
    stack.stop(MASTODON_WORKER)
    try:
        job = ingest.pull("mastodon", base_url=stack.settings.sandbox_url + "/mastodon", tag="caturday",
                          limit=80, settings=stack.settings, limits=limits)
        root = stack.runtime.tree.node_ids(job.id)[0]
        yield job.id, root
    finally:
        stack.start(MASTODON_WORKER)


class WorkerLost(BaseException):
    """The worker running a node died at this step."""


class LostBeforeFinishing:
    """A tree whose worker dies as it is about to end a node: the node has made its call and
    registered its children, and stays running, uncounted."""

    def __init__(self, tree: Tree) -> None:
        self._tree = tree

    def __getattr__(self, name: str):
        return getattr(self._tree, name)

    def finish(self, *_args, **_kwargs) -> bool:
        raise WorkerLost()


def run_until_granted(driver, publish, job_id: str, node_id: str) -> str:
    """Run the node, waiting out each refusal as a worker would; answers its state."""
    while True:
        before = len(publish.delays)
        state = driver.run(job_id, node_id)
        if state is None or state.value != "waiting":
            return state.value if state else "not run"
        time.sleep(publish.delays[before][0])


def lost_before_finishing(stack, job_id: str, node_id: str, **options) -> RecordedPublish:
    """Run the node on a worker that dies just before ending it (waiting out refusals as a
    worker would); answers what it published before it died."""
    driver, publish, tree = driver_for(stack, **options)
    driver = replace(driver, tree=LostBeforeFinishing(tree))
    with pytest.raises(WorkerLost):
        run_until_granted(driver, publish, job_id, node_id)
    return publish
