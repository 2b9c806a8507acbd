"""One real sandbox server over HTTP on a free loopback port, on a clock the tests move."""

from __future__ import annotations

import pytest
import requests

from sandbox.clock import ManualClock
from sandbox.server import BackgroundServer

TEST_SIZE = 3000


class SandboxClient:
    """Requests against the running server, and its admin endpoints."""

    def __init__(self, server: BackgroundServer, clock: ManualClock) -> None:
        self.url = server.url
        self.clock = clock
        self.session = requests.Session()

    def get(self, path: str, token: str | None = None, timeout: float = 10.0, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"bearer {token}"
        target = path if path.startswith("http") else self.url + path
        return self.session.get(target, headers=headers, timeout=timeout, **kwargs)

    def scenario(self, document: dict) -> None:
        response = self.session.put(self.url + "/_admin/scenario", json=document, timeout=10)
        response.raise_for_status()

    def counters(self) -> dict:
        return self.session.get(self.url + "/_admin/counters", timeout=10).json()

    def truth(self, path: str) -> list[str]:
        response = self.session.get(self.url + "/_admin/truth", params={"path": path}, timeout=30)
        response.raise_for_status()
        return response.json()["ids"]

    def add_items(self, **body) -> list:
        response = self.session.post(self.url + "/_admin/items", json=body, timeout=10)
        response.raise_for_status()
        return response.json()["ids"]


@pytest.fixture(scope="session")
def running_server():
    clock = ManualClock()
    server = BackgroundServer(size=TEST_SIZE, clock=clock)
    server.start()
    yield server, clock
    server.stop()


@pytest.fixture
def sandbox(running_server) -> SandboxClient:
    server, clock = running_server
    client = SandboxClient(server, clock)
    client.session.post(server.url + "/_admin/reset", timeout=10).raise_for_status()
    yield client
    client.session.close()
