"""One process of limits_hidden_shapes.py's load: threads calling the sandbox's Hacker News
items, each call gated by our Limiter (shared through Redis) or by botocore's adaptive client
rate limiter (one per process), each call's moment and status recorded."""

from __future__ import annotations

import queue
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORKER_FLAG = "--worker"
FAN_OUT = 500
SCOPE_SOURCE = "hackernews"


class Demand:
    """Calls waiting to be made: a trickle of one a second per process, then (fan-out) 500
    registered at once and never fewer than that from then on; steady demand never runs out."""

    def __init__(self, plan: dict) -> None:
        self.steady = plan["mode"] == "steady"
        self.start, self.fan_out_at = plan["start"], plan["start"] + plan["fan_out_at"]
        self.taken = 0
        self.returned = 0
        self.lock = threading.Lock()

    def waiting(self, now: float) -> int:
        if self.steady or now >= self.fan_out_at:
            return FAN_OUT
        return max(0, int(now - self.start) + 1 + self.returned - self.taken)

    def take(self, count: int, now: float) -> int:
        with self.lock:
            count = min(count, self.waiting(now))
            self.taken += count
            return count

    def give_back(self, count: int = 1) -> None:
        with self.lock:
            self.returned += count


class OurGate:
    def __init__(self, plan: dict) -> None:
        import redis

        from ingest.limits import Limiter, LimitScope

        self.limiter = Limiter(redis.Redis.from_url(plan["redis_url"], socket_timeout=5.0))
        self.scope = LimitScope(SCOPE_SOURCE, plan["url"].split("//", 1)[1])

    def acquire(self, until: float):
        while time.time() < until:
            permit = self.limiter.acquire(self.scope)
            if permit.granted:
                return permit
            time.sleep(permit.wait)
        return None

    def observe(self, permit, status: int, latency: float) -> None:
        from ingest.limits import LimitReading, outcome_for_status

        self.limiter.observe(self.scope, LimitReading(), outcome_for_status(status or None),
                             permit=permit, latency=latency)


class BotocoreGate:
    def __init__(self, plan: dict) -> None:
        from types import SimpleNamespace

        from botocore.hooks import HierarchicalEmitter
        from botocore.retries import adaptive

        client = SimpleNamespace(meta=SimpleNamespace(events=HierarchicalEmitter()))
        self.limiter = adaptive.register_retry_handler(client)

    def acquire(self, until: float):
        self.limiter.on_sending_request(request=None)
        return True

    def observe(self, permit, status: int, latency: float) -> None:
        response = (type("Answer", (), {"status_code": status})(), {}) if status else None
        error = None if status else ConnectionError("no answer")
        self.limiter.on_receiving_response(response=response, caught_exception=error, attempts=1,
                                           operation=None, request_dict={"context": {}})


def run_worker(plan: dict) -> list[list]:
    import requests

    gate = OurGate(plan) if plan["client"] == "ours" else BotocoreGate(plan)
    demand = Demand(plan)
    records: list[list] = []
    lock = threading.Lock()
    items = iter(range(10_000_000))
    permits: queue.Queue = queue.Queue()
    until = plan["until"]

    def call(session, permit) -> None:
        with lock:
            item = 1 + next(items) % 5000
        sent = time.time()
        try:
            status = session.get(f"{plan['url']}/hn/v0/item/{item}.json", timeout=10).status_code
        except requests.RequestException:
            status = 0
        gate.observe(permit, status, time.time() - sent)
        with lock:
            records.append([sent - plan["start"], status])
        if status == 429:
            demand.give_back()

    def thread_loop() -> None:
        session = requests.Session()
        while time.time() < until:
            if isinstance(gate, OurGate) and not demand.steady:
                try:
                    permit = permits.get(timeout=0.1)
                except queue.Empty:
                    continue
            else:
                if not demand.take(1, time.time()):
                    time.sleep(0.05)
                    continue
                permit = gate.acquire(until)
                if permit is None:
                    break
            call(session, permit)

    def release() -> None:
        """The waiting room's way: as many permits as calls wait, in one ask."""
        from ingest.limits import Permit

        while time.time() < until:
            count = demand.take(FAN_OUT, time.time())
            grant = gate.limiter.grant(gate.scope, count) if count else None
            if grant is not None:
                for at in grant.granted_at:
                    permits.put(Permit(True, 0.0, "granted", at))
                demand.give_back(count - len(grant.granted_at))
            time.sleep(max(0.001, grant.wait if grant is not None else 0.05))

    time.sleep(max(0.0, plan["start"] - time.time()))
    threads = [threading.Thread(target=thread_loop) for _ in range(plan["threads"])]
    if isinstance(gate, OurGate) and not demand.steady:
        threads.append(threading.Thread(target=release))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records
