"""Fixtures for tests against the running stack that `make test` starts for them; test packages
that need it import them into their conftest.

Outside `make test`, start one first (`ingest up --sandbox`); without a stack these tests skip,
unless INGEST_REQUIRE_STACK=1 (as `make test` sets), where a missing stack is a failure.
"""

from __future__ import annotations

import os

import pytest

from ingest import stack
from ingest.messaging.config import make_celery
from ingest.settings import Settings
from ingest.stack.supervisor import SupervisorPaths, rpc

# Pull options for tests of storage and call counts, not pacing: a generous limit keeps the limiter
# in the path without spacing calls out to the published limits (GitHub's 60 an hour, say).
FAST = {"limits": {"requests": 1000, "window": 10.0}}


@pytest.fixture(scope="session")
def settings() -> Settings:
    settings = Settings.from_env()
    parts = stack.status(settings)
    unhealthy = [name for name, part in parts.items() if not part.healthy]
    if unhealthy:
        message = f"the stack in {settings.data_dir} is not up ({', '.join(unhealthy)} not answering); run `make test`"
        if os.environ.get("INGEST_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return settings


@pytest.fixture(scope="session")
def celery_app(settings):
    app = make_celery(settings)
    yield app
    app.close()


@pytest.fixture()
def supervisor(settings):
    return rpc(SupervisorPaths.of(settings), timeout=60.0).supervisor
