"""A job held by a rate limit says why, against the running stack: the sandbox's GitHub allows
an anonymous caller 2 calls an hour, and the pull says so, when its next call goes, and that a
credential would help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

import ingest
from ingest.api.cli_jobs import progress_line
from ingest.api.connection import runtime
from tests.sandbox_admin import SandboxAdmin

pytestmark = pytest.mark.stack

TWO_AN_HOUR = {"apis": {"github": {"rate_limits": [
    {"limit": 5000, "window": 3600.0, "scope": "credential", "anonymous_limit": 2}]}}}
CLOCK = r"next call (at|by) \d\d:\d\d:\d\d \(in [^)]+\)"
CREDENTIAL_HINT = "a credential: GitHub allows 5,000 per hour with one"


def test_a_github_pull_held_by_its_limit_says_the_limit_the_next_call_and_that_a_credential_helps(settings):
    sandbox = SandboxAdmin(settings.sandbox_url)
    sandbox.scenario(TWO_AN_HOUR)
    base_url = settings.sandbox_url + "/github"
    job = None
    try:
        job = ingest.pull("rest", preset="github_issues", owner="psf", repo="requests", base_url=base_url,
                          limit=1000, settings=settings)
        wait = _first_wait(job, seconds=60.0)
        assert wait["service"] == "GitHub"
        assert wait["limit"] == "2 per hour without a credential, as the API states it (60 per hour published)"
        assert re.search(CLOCK, wait["line"]), wait["line"]
        assert CREDENTIAL_HINT in wait["help"] and "ingest credentials add NAME --kind bearer" in wait["help"]
        line = progress_line(job.snapshot())
        assert "waiting on GitHub: 2 per hour without a credential" in line and re.search(CLOCK, line), line
        assert CREDENTIAL_HINT in line
        shown = subprocess.run([sys.executable, "-m", "ingest", "show", job.id], capture_output=True, text=True,
                               timeout=60, env=os.environ.copy())
        assert "waiting on GitHub: 2 per hour without a credential" in shown.stdout, shown.stdout + shown.stderr
        assert "would help: " + CREDENTIAL_HINT in shown.stdout
        print(json.dumps(wait, indent=2))
    finally:
        if job is not None:
            job.cancel()
        sandbox.reset()
        _forget_limits(settings, urlsplit(base_url).netloc)
    assert job.status()["wait"] is None, "a cancelled job waits on nothing"


def _first_wait(job, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        wait = job.status()["wait"]
        if wait is not None and wait["next_in"] is not None:
            return wait
        time.sleep(0.3)
    raise AssertionError(f"job {job.id} never said why it waits: {job.status()}")


def _forget_limits(settings, host: str) -> None:
    """The 2 an hour the limiter adopted would hold the next anonymous pull of this host."""
    store = runtime(settings).limiter.store
    keys = store.client.keys(f"{store.prefix}:known:rest:*host={host}*")
    if keys:
        store.client.delete(*keys)
