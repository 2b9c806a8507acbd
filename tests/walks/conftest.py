"""One sandbox server over HTTP for the walks: connectors driven to the end of a query."""

from __future__ import annotations

import pytest
import requests

from sandbox.clock import ManualClock
from sandbox.server import BackgroundServer

WALK_SIZE = 3000


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def truth(self, path: str, **params) -> list[str]:
        answer = requests.get(self.url + "/_admin/truth", params={"path": path, **params}, timeout=60)
        answer.raise_for_status()
        return answer.json()["ids"]

    def counters(self) -> dict:
        return requests.get(self.url + "/_admin/counters", timeout=10).json()

    def scenario(self, document: dict) -> None:
        requests.put(self.url + "/_admin/scenario", json=document, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def walk_server():
    server = BackgroundServer(size=WALK_SIZE, clock=ManualClock())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(walk_server) -> Sandbox:
    requests.post(walk_server.url + "/_admin/reset", timeout=10).raise_for_status()
    return Sandbox(walk_server.url)
