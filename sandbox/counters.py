"""What the sandbox has served since the last reset, for tests and benchmarks to assert on."""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque

AUTH_EVENTS = ("grants", "refreshes", "expired_refusals", "failures")


def credential_hash(token: str) -> str:
    """A short, non-reversible name for a token: counters never show the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


class Counters:
    RECENT_SECONDS = 10
    LOGGED_REQUESTS = 20_000

    def __init__(self, started: float, started_wall: float) -> None:
        self.open_connections = 0
        self.in_flight = 0
        self.reset(started, started_wall)

    def reset(self, started: float, started_wall: float) -> None:
        """Zero the counts; requests and connections still open stay counted as open."""
        self.started = started
        self.started_wall = started_wall
        self.total = 0
        self.by_route: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.by_status: dict[str, int] = defaultdict(int)
        self.by_api: dict[str, int] = defaultdict(int)
        self.throttled: dict[str, int] = defaultdict(int)
        self.hidden_refusals: dict[str, int] = defaultdict(int)
        self.faults: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.credentials: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int)))
        self.auth: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: dict.fromkeys(AUTH_EVENTS, 0)))
        self.peak_concurrency = self.in_flight
        self.peak_connections = self.open_connections
        self._per_second: dict[int, int] = {}
        self.log: deque[dict] = deque(maxlen=self.LOGGED_REQUESTS)

    def connection_opened(self) -> None:
        self.open_connections += 1
        if self.open_connections > self.peak_connections:
            self.peak_connections = self.open_connections

    def connection_closed(self) -> None:
        self.open_connections -= 1

    def begin(self, now: float) -> None:
        self.in_flight += 1
        if self.in_flight > self.peak_concurrency:
            self.peak_concurrency = self.in_flight
        second = int(now)
        self._per_second[second] = self._per_second.get(second, 0) + 1
        if len(self._per_second) > self.RECENT_SECONDS * 2:
            for old in [s for s in self._per_second if s < second - self.RECENT_SECONDS]:
                del self._per_second[old]

    def end(self, api: str, route: str, outcome: str, credential: str | None, *, target: str = "",
            at: float | None = None) -> None:
        """Record one finished request; `outcome` is its status code, or `drop`/`hang`. The last
        requests are kept in order, with their path and wall-clock time, for `requests()`."""
        self.log.append({"at": at, "api": api, "route": route, "path": target, "status": outcome})
        self.in_flight -= 1
        self.total += 1
        self.by_api[api] += 1
        self.by_route[route][outcome] += 1
        self.by_status[outcome] += 1
        if credential is not None:
            usage = self.credentials[credential][api]
            usage["requests"] += 1
            if outcome == "429":
                usage["throttled"] += 1

    def auth_event(self, issuer: str, account: str, event: str) -> None:
        """Count a token grant, refresh, expired-token refusal or failure, by hashed account."""
        self.auth[issuer][credential_hash(account)][event] += 1

    def requests(self, api: str | None = None) -> list[dict]:
        return [entry for entry in self.log if api is None or entry["api"] == api]

    def fault(self, api: str, kind: str) -> None:
        self.faults[api][kind] += 1

    def snapshot(self, now: float, wall_now: float) -> dict:
        elapsed = max(now - self.started, 1e-9)
        current = int(now)
        recent_seconds = [s for s in self._per_second if current - self.RECENT_SECONDS < s < current]
        recent = sum(self._per_second[s] for s in recent_seconds)
        return {
            "since": self.started_wall,
            "elapsed": elapsed,
            "requests": self.total,
            "in_flight": self.in_flight,
            "peak_concurrency": self.peak_concurrency,
            "open_connections": self.open_connections,
            "peak_connections": self.peak_connections,
            "rps": self.total / elapsed,
            "rps_recent": recent / max(1, len(recent_seconds)) if recent_seconds else 0.0,
            "by_api": dict(self.by_api),
            "by_status": dict(self.by_status),
            "by_route": {route: dict(statuses) for route, statuses in self.by_route.items()},
            "throttled": dict(self.throttled),
            "hidden_refusals": dict(self.hidden_refusals),
            "faults": {api: dict(kinds) for api, kinds in self.faults.items()},
            "credentials": {cred: {api: dict(usage) for api, usage in apis.items()}
                            for cred, apis in self.credentials.items()},
            "auth": {issuer: {account: dict(events) for account, events in accounts.items()}
                     for issuer, accounts in self.auth.items()},
        }
