"""A stack of its own for the reliability tests, which kill and restart its parts.

Its data directory (`data/reliability-stack`) and ports (from INGEST_RELIABILITY_PORT_BASE,
default 18800) are apart from the shared test stack at 18600, so nothing done here can disturb
the other tests. The stack starts fresh once for this package with `ingest up --sandbox` and
stops after its last test. Without the servers these tests skip; with INGEST_REQUIRE_STACK=1 they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ingest import credentials
from ingest.messaging.config import make_celery
from ingest.settings import PROJECT_ROOT, Settings
from ingest.stack.services import plan
from tests.reliability.support import REDDIT_ENV_CREDENTIAL, Stack
from tests.sandbox_admin import SandboxAdmin

PORT_BASE = int(os.environ.get("INGEST_RELIABILITY_PORT_BASE", "18800"))
DATA_DIR = PROJECT_ROOT / "data" / "reliability-stack"
UP_TIMEOUT = 180.0


def _skip_or_fail(message: str) -> None:
    if os.environ.get("INGEST_REQUIRE_STACK") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _ingest(command: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", command, *(["--sandbox"] if command == "up" else [])],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=PROJECT_ROOT)


@pytest.fixture(scope="package")
def canary() -> str:
    """A secret no output of the stack may ever contain."""
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture(scope="package")
def stack(canary) -> Stack:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("INGEST_") or key in ("INGEST_FIXTURES_DIR", "INGEST_REQUIRE_STACK")
           or key.endswith("_BIN")}
    env.update({
        "INGEST_DATA_DIR": str(DATA_DIR),
        "INGEST_PORT_BASE": str(PORT_BASE),
        "INGEST_UP_TIMEOUT": str(UP_TIMEOUT - 30.0),
        credentials.env_variable(REDDIT_ENV_CREDENTIAL): canary,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    })
    settings = Settings.from_env(env, dotenv=Path("/nonexistent"))
    missing = [service.missing for service in plan(settings, sandbox=True) if service.missing]
    if missing:
        _skip_or_fail(f"the reliability stack cannot start: {'; '.join(missing)}; `make setup` installs them")
    _ingest("down", env, 120)
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    started = _ingest("up", env, UP_TIMEOUT)
    if started.returncode != 0:
        _ingest("down", env, 120)
        _skip_or_fail(f"the reliability stack did not come up:\n{started.stdout}\n{started.stderr}")
    app = make_celery(settings)
    try:
        yield Stack(settings, app, SandboxAdmin(settings.sandbox_url))
    finally:
        app.close()
        _ingest("down", env, 180)


@pytest.fixture()
def healthy_stack(stack) -> Stack:
    """The stack with every part running and answering, the sandbox back to its first scenario."""
    stack.wait_healthy()
    stack.sandbox.reset()
    yield stack
    stack.sandbox.reset()
