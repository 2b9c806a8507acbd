"""Running the sandbox under uvicorn: in the foreground, or in a thread for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from sandbox.app import create_app
from sandbox.counters import Counters
from sandbox.pipeline import TRANSPORT_KEY
from sandbox.scenario import Scenario
from sandbox.state import DEFAULT_SEED, DEFAULT_SIZE


def _protocol_with_transport(counters: Counters) -> type[asyncio.Protocol]:
    """uvicorn's fastest HTTP protocol, extended to hand the connection to the app (so that the
    `drop` and `hang` faults can close it without an answer) and to count open connections."""

    class CountingConnections:
        def connection_made(self, transport) -> None:
            counters.connection_opened()
            super().connection_made(transport)

        def connection_lost(self, exc) -> None:
            counters.connection_closed()
            super().connection_lost(exc)

    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class H11WithTransport(CountingConnections, H11Protocol):
            def handle_events(self) -> None:
                super().handle_events()
                if self.cycle is not None:
                    self.cycle.scope.setdefault("extensions", {})[TRANSPORT_KEY] = self.transport

        return H11WithTransport

    class HttpToolsWithTransport(CountingConnections, HttpToolsProtocol):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.scope["extensions"] = {TRANSPORT_KEY: self.transport}

    return HttpToolsWithTransport


def _loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def make_config(host: str, port: int, scenario: Scenario | dict | str | Path | None = None,
                seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE, clock=None,
                access_log: bool = False, log_level: str = "info") -> uvicorn.Config:
    app = create_app(seed=seed, size=size, scenario=scenario, clock=clock)
    protocol = _protocol_with_transport(app.state.sandbox.counters)
    return uvicorn.Config(app, host=host, port=port, http=protocol, loop=_loop(),
                          access_log=access_log, log_level=log_level, timeout_graceful_shutdown=1,
                          timeout_keep_alive=30, backlog=2048)


def serve(host: str = "127.0.0.1", port: int = 8780, scenario: Scenario | dict | str | Path | None = None,
          seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE, access_log: bool = False) -> None:
    """Run the sandbox in the foreground until interrupted."""
    uvicorn.Server(make_config(host, port, scenario, seed, size, access_log=access_log)).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class BackgroundServer:
    """A real sandbox server in a daemon thread on a free loopback port.

        with BackgroundServer(size=2000) as server:
            requests.get(server.url + "/hn/v0/maxitem.json")
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, **options: Any) -> None:
        self.host = host
        self.port = port or free_port(host)
        options.setdefault("log_level", "warning")
        self.config = make_config(host, self.port, **options)
        self.app = self.config.app
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="sandbox-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state(self):
        return self.app.state.sandbox

    def start(self, timeout: float = 10.0) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
