"""The driver of one node, through its ports: fakes of the tree, the limiter, the publisher, the
job documents, the record writer and the HTTP fetch, so every branch runs without a stack."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest import connectors
from ingest.connectors.base import Request, Response
from ingest.errors import TransientError
from ingest.jobtree.states import NodeState
from redis.exceptions import ConnectionError as RedisConnectionError

from ingest.limits import Permit, Reason
from ingest.pipeline.driver import MAX_REFUSALS, Driver
from ingest.pipeline.permits import Admission
from ingest.pipeline.retry import ExponentialJitterBackoff
from ingest.settings import Settings
from ingest.storage.record_writes import PageWrite

JOB = "mastodon-0001"
BASE = "https://m.example"
LINK_NEXT = f'<{BASE}/api/v1/timelines/tag/python?max_id=100>; rel="next"'


def status(number: int, replies: int = 0) -> dict:
    return {"id": str(number), "created_at": f"2024-05-01T10:00:{number % 60:02d}.000Z", "replies_count": replies,
            "content": f"status {number}", "account": {"id": "7", "acct": "someone"}}


def answer(statuses: list[dict] | str, status_code: int = 200, link: str | None = LINK_NEXT) -> Response:
    body = statuses if isinstance(statuses, str) else json.dumps(statuses)
    headers = {"Content-Type": "application/json"}
    if link:
        headers["Link"] = link
    return Response(status=status_code, headers=headers, body=body.encode(), url=f"{BASE}/api/v1/timelines/tag/python")


class FakeTree:
    """Nodes in a dict; records every step the driver takes."""

    def __init__(self, request: Request, cancelled: bool = False) -> None:
        self.nodes = {"root": {"_id": "root", "state": "queued", "request": request.to_dict(), "attempts": 0,
                               "waits": 0, "refusals": 0, "kind": request.kind}}
        self.is_cancelled = cancelled
        self.steps: list[tuple] = []

    def claim(self, job_id, node_id, recovering=False):
        node = self.nodes[node_id]
        if node["state"] not in ("queued", "waiting", "retrying"):
            return None
        node.update(state="running", attempts=node["attempts"] + 1)
        return {**node, "job_cancelled": self.is_cancelled}

    def cancelled(self, job_id):
        return self.is_cancelled

    def waited(self, job_id, node_id):
        node = self.nodes[node_id]
        node.update(state="waiting", attempts=node["attempts"] - 1, waits=node["waits"] + 1)
        self.steps.append(("waited", node_id))

    def refused(self, job_id, node_id, calls):
        node = self.nodes[node_id]
        node.update(state="waiting", attempts=node["attempts"] - 1, refusals=node["refusals"] + 1)
        self.steps.append(("refused", node_id, calls))

    def retrying(self, job_id, node, error, calls):
        self.nodes[node["_id"]]["state"] = "retrying"
        self.steps.append(("retrying", node["_id"], error["kind"], calls))

    def finish(self, job_id, node, state, **result):
        self.nodes[node["_id"]]["state"] = state.value
        self.steps.append(("finish", node["_id"], state, result))
        return not self.counts(job_id).live

    def add(self, job_id, requests, parent, waiting=()):
        ids = [f"{parent}/{position}" for position in range(len(requests))]
        for node_id, request, wait in zip(ids, requests, waiting or [False] * len(requests)):
            self.nodes[node_id] = {"_id": node_id, "state": "waiting" if wait else "queued",
                                   "request": request.to_dict(), "attempts": 0, "waits": int(wait),
                                   "refusals": 0}
        self.steps.append(("add", parent, [r.kind for r in requests], list(waiting)))
        return ids

    def counts(self, job_id):
        live = sum(node["state"] in ("queued", "waiting", "running", "retrying") for node in self.nodes.values())
        return type("Counts", (), {"live": live})()

    def has_failures(self, job_id):
        return any(node["state"] == "failed" for node in self.nodes.values())

    def watermarks(self, job_id):
        return []


@dataclass
class FakeLimiter:
    permits: list[Permit] = field(default_factory=lambda: [Permit(granted=True, wait=0.0, reason=Reason.GRANTED)])
    observed: list[tuple] = field(default_factory=list)

    def acquire(self, scope):
        return self.permits.pop(0)

    def observe(self, scope, reading, outcome, permit=None, latency=None):
        self.observed.append((outcome.value, reading.remaining))

    def now(self):
        return 1000.0


@dataclass
class FakeParking:
    """Grants the first `free` requests a page adds (at 999.5), parks the others; records parks."""

    limiter: FakeLimiter
    free: int = 100
    parked: list[tuple] = field(default_factory=list)
    down: bool = False

    def park(self, job_id, node_ids, queue, scope, wait):
        if self.down:
            raise RedisConnectionError("Redis is restarting")
        self.parked += [(node_id, queue, wait) for node_id in node_ids]

    def admit(self, connector, spec, overrides, follow, credential_of):
        admitted = [Admission(scope=None, granted_at=999.5) if place < self.free
                    else Admission(scope=None, due=1003.0) for place in range(len(follow))]
        self.free = max(0, self.free - len(follow))
        return admitted


class FakeJobs:
    def __init__(self, spec: dict, options: dict) -> None:
        self.document = {"_id": JOB, "source": "mastodon", "spec": spec, "options": options, "state": "running"}
        self.moves: list[str] = []

    def get(self, job_id, fields=None):
        return dict(self.document) if job_id == JOB else None

    def get_in_state(self, job_id, state):
        return dict(self.document) if self.document["state"] == state else None

    def move(self, job_id, to, finished, only_from=None):
        self.moves.append(to)
        self.document["state"] = to
        return True

    def watermark(self, source, query):
        return None

    def fold_watermark(self, source, query, merge, job_id, now):
        self.document["watermark"] = merge(None)


@dataclass
class FakeRecords:
    refuse: set[str] = field(default_factory=set)
    written: list[str] = field(default_factory=list)

    def write(self, records, **where):
        records = list(records)
        refused = [(record.key, "too large") for record in records if record.key in self.refuse]
        kept = [record.key for record in records if record.key not in self.refuse]
        self.written += kept
        return PageWrite(len(kept), refused, len(set(kept)))

    def last_fetched(self, collection, key):
        return None


class Published(list):
    def __call__(self, job_id, node_id, queue, delay=0.0, exact=False, granted_at=None):
        self.append((node_id, queue, delay, exact, granted_at))


def make_driver(answers: list, *, limiter: FakeLimiter | None = None, refuse: set[str] = frozenset(),
                cancelled: bool = False, limit: int = 2, options: dict | None = None, free: int = 100):
    connector = connectors.get("mastodon")
    spec = connector.validate({"base_url": BASE, "tag": "python", "limit": limit})
    root = connector.for_spec(spec).start(spec, None)[0]
    tree, published, jobs = FakeTree(root, cancelled), Published(), FakeJobs(spec, options or {})
    records, calls = FakeRecords(refuse=set(refuse)), []

    def fetch(request, headers, connect_timeout, read_timeout):
        calls.append(request.url)
        outcome = answers.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    limiter = limiter if limiter is not None else FakeLimiter()
    driver = Driver(settings=Settings(data_dir=Path("/nonexistent")), tree=tree, publish=published, jobs=jobs,
                    records=records, limiter=limiter, parking=FakeParking(limiter, free=free), fetch=fetch,
                    random=lambda: 0.5, clock=lambda: 1000.0)
    return driver, tree, published, jobs, records, calls


def test_a_granted_node_stores_its_page_registers_the_next_and_ends_done():
    driver, tree, published, jobs, records, calls = make_driver([answer([status(101), status(100)])], limit=5)
    assert driver.run(JOB, "root") is NodeState.DONE
    assert len(calls) == 1 and records.written == ["m.example:101", "m.example:100"]
    assert ("add", "root", ["timeline"], [False]) in tree.steps
    assert published == [("root/0", "ingest.mastodon", 0.0, False, 999.5)], "sent with the permit it was granted"
    finish = [step for step in tree.steps if step[0] == "finish"][0]
    assert finish[2] is NodeState.DONE and finish[3]["calls"] == 1 and finish[3]["records"] == 2
    assert jobs.moves == [], "a job with a node still queued is not ended"


def test_the_step_that_ends_the_last_node_ends_the_job():
    driver, tree, published, jobs, _, _ = make_driver([answer([status(101), status(100)])], limit=2)
    assert driver.run(JOB, "root") is NodeState.DONE
    assert published == [], "the limit was met: no next page"
    assert jobs.moves == ["completed"]


def test_a_refused_node_is_parked_in_its_limits_waiting_room_without_a_call():
    limiter = FakeLimiter(permits=[Permit(granted=False, wait=2.5, reason=Reason.SPACING)])
    driver, tree, published, _, records, calls = make_driver([], limiter=limiter)
    assert driver.run(JOB, "root") is NodeState.WAITING
    assert calls == [] and records.written == []
    assert ("waited", "root") in tree.steps
    assert (tree.nodes["root"]["waits"], tree.nodes["root"]["refusals"]) == (1, 0)
    assert driver.parking.parked == [("root", "ingest.mastodon", 2.5)] and published == []
    assert tree.nodes["root"]["state"] == "waiting" and tree.nodes["root"]["attempts"] == 0


def test_a_node_without_a_waiting_room_to_park_in_asks_again_after_a_delay():
    limiter = FakeLimiter(permits=[Permit(granted=False, wait=0.5, reason=Reason.SPACING)])
    driver, tree, published, _, _, calls = make_driver([], limiter=limiter)
    driver.parking.down = True
    assert driver.run(JOB, "root") is NodeState.WAITING
    assert published == [("root", "ingest.mastodon", 2.0, False, None)] and calls == []


def test_children_under_a_busy_limit_are_registered_waiting_and_parked():
    driver, tree, published, _, _, _ = make_driver([answer([status(101), status(100)])], limit=5, free=0)
    assert driver.run(JOB, "root") is NodeState.DONE
    assert ("add", "root", ["timeline"], [True]) in tree.steps
    assert published == [] and driver.parking.parked == [("root/0", "ingest.mastodon", 3.0)]


def test_a_node_released_with_a_permit_runs_without_asking_the_limiter():
    limiter = FakeLimiter(permits=[])
    driver, tree, _, _, _, calls = make_driver([answer([status(101), status(100)])], limiter=limiter)
    assert driver.run(JOB, "root", granted_at=999.0) is NodeState.DONE
    assert len(calls) == 1


@pytest.mark.parametrize("granted_at, recovering", [(997.9, False), (999.0, True)], ids=["stale", "redelivered"])
def test_a_stale_or_redelivered_permit_is_not_used_and_the_node_asks_again(granted_at, recovering):
    limiter = FakeLimiter(permits=[Permit(granted=False, wait=1.0, reason=Reason.WINDOW)])
    driver, tree, _, _, _, calls = make_driver([], limiter=limiter)
    assert driver.run(JOB, "root", granted_at=granted_at, recovering=recovering) is NodeState.WAITING
    assert calls == [] and limiter.permits == [], "it asked"


def test_a_transient_failure_is_retried_after_its_backoff():
    driver, tree, published, _, _, _ = make_driver([answer("oops", status_code=502)])
    assert driver.run(JOB, "root") is NodeState.RETRYING
    assert ("retrying", "root", "transient", 1) in tree.steps
    expected = ExponentialJitterBackoff()(1, lambda: 0.5)
    assert published == [("root", "ingest.mastodon", expected, True, None)]


def test_a_dropped_connection_is_retried_and_observed_by_the_limiter():
    limiter = FakeLimiter()
    driver, tree, published, _, _, _ = make_driver([TransientError("connection dropped")], limiter=limiter)
    assert driver.run(JOB, "root") is NodeState.RETRYING
    assert limiter.observed and limiter.observed[0][1] is None


def test_a_transient_failure_past_the_last_attempt_fails_the_node():
    driver, tree, _, jobs, _, _ = make_driver([answer("oops", status_code=503)] * 5)
    tree.nodes["root"]["attempts"] = 4
    assert driver.run(JOB, "root") is NodeState.FAILED
    assert jobs.moves == ["completed_with_errors"]


def test_a_permanent_failure_fails_the_node_at_once():
    driver, tree, published, jobs, _, _ = make_driver([answer('{"error": "not found"}', status_code=404)])
    assert driver.run(JOB, "root") is NodeState.FAILED
    finish = [step for step in tree.steps if step[0] == "finish"][0]
    assert finish[3]["error"]["kind"] == "permanent" and finish[3]["error"]["status"] == 404
    assert published == [] and jobs.moves == ["completed_with_errors"]


def test_a_malformed_answer_fails_the_node():
    driver, tree, _, _, _, _ = make_driver([answer("<html>maintenance</html>")])
    assert driver.run(JOB, "root") is NodeState.FAILED
    finish = [step for step in tree.steps if step[0] == "finish"][0]
    assert finish[3]["error"]["kind"] == "malformed"


def test_records_the_store_refuses_fail_the_node_but_the_rest_is_stored_and_followed():
    driver, tree, published, _, records, _ = make_driver([answer([status(101), status(100)])],
                                                         refuse={"m.example:100"}, limit=5)
    assert driver.run(JOB, "root") is NodeState.FAILED
    assert records.written == ["m.example:101"]
    assert [node_id for node_id, *_ in published] == ["root/0"], "the next page is still followed"
    finish = [step for step in tree.steps if step[0] == "finish"][0]
    assert finish[3]["error"]["kind"] == "refused" and finish[3]["records"] == 1


def test_a_node_of_a_cancelled_job_is_cancelled_without_a_call():
    driver, tree, published, _, _, calls = make_driver([], cancelled=True)
    assert driver.run(JOB, "root") is NodeState.CANCELLED
    assert calls == [] and published == []


def test_a_node_back_before_its_due_time_is_sent_to_wait_the_rest():
    driver, tree, published, _, _, calls = make_driver([])
    assert driver.run(JOB, "root", due=1030.0) is None
    assert published == [("root", "ingest.mastodon", 30.0, True, None)] and calls == []
    assert tree.nodes["root"]["state"] == "queued"


def test_a_rate_limited_answer_parks_the_node_for_its_retry_after_and_is_not_an_attempt():
    throttled = Response(status=429, headers={"Retry-After": "12"}, body=b"{}", url=f"{BASE}/x")
    driver, tree, published, _, _, _ = make_driver([throttled])
    assert driver.run(JOB, "root") is NodeState.WAITING
    assert ("refused", "root", 1) in tree.steps
    assert (tree.nodes["root"]["waits"], tree.nodes["root"]["refusals"]) == (0, 1)
    assert driver.parking.parked == [("root", "ingest.mastodon", 12.0)] and published == []


def test_a_node_paced_many_times_by_our_limiter_is_not_failed_by_the_apis_refusal():
    refused = Response(status=429, headers={"Retry-After": "12"}, body=b"{}", url=f"{BASE}/x")
    driver, tree, published, _, _, _ = make_driver([refused])
    tree.nodes["root"]["waits"] = MAX_REFUSALS * 10
    assert driver.run(JOB, "root") is NodeState.WAITING
    assert driver.parking.parked == [("root", "ingest.mastodon", 12.0)] and published == []
    assert (tree.nodes["root"]["waits"], tree.nodes["root"]["refusals"]) == (MAX_REFUSALS * 10, 1)


def test_a_node_the_api_refused_too_often_fails_and_names_its_refusals():
    refused = Response(status=429, headers={"Retry-After": "12"}, body=b"{}", url=f"{BASE}/x")
    driver, tree, published, _, _, _ = make_driver([refused])
    tree.nodes["root"]["refusals"] = MAX_REFUSALS
    assert driver.run(JOB, "root") is NodeState.FAILED
    assert published == [] and driver.parking.parked == []
    assert not any(step[0] == "refused" for step in tree.steps)
    finish = [step for step in tree.steps if step[0] == "finish"][0]
    assert f"after {MAX_REFUSALS} refusals" in finish[3]["error"]["message"]
