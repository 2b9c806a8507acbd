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

import pytest

import ingest
from ingest.api.cli_jobs import progress_line, wait_lines
from tests.github_wait import two_calls_an_hour

pytestmark = pytest.mark.stack

CLOCK = r"next call (at|by) \d\d:\d\d:\d\d \(in [^)]+\)"
CREDENTIAL_HINT = "a credential: GitHub allows 5,000 per hour with one"


def test_a_github_pull_held_by_its_limit_says_the_limit_the_next_call_and_that_a_credential_helps(settings):
    job = None
    with two_calls_an_hour(settings) as base_url:
        try:
            job = ingest.pull("rest", preset="github_issues", owner="psf", repo="requests", base_url=base_url,
                              limit=1000, settings=settings)
            wait = _first_wait(job, seconds=60.0)
            assert wait["service"] == "GitHub"
            assert wait["limit"] == "2 per hour without a credential, as the API states it (60 per hour published)"
            assert re.search(CLOCK, wait["line"]), wait["line"]
            assert CREDENTIAL_HINT in wait["help"] and "ingest credentials add NAME --kind bearer" in wait["help"]
            snapshot = job.snapshot()
            line, helps = wait_lines(snapshot)
            assert "waiting on GitHub: 2 per hour without a credential" in line and re.search(CLOCK, line), line
            assert CREDENTIAL_HINT in helps
            assert "next call in " in progress_line(snapshot)
            shown = subprocess.run([sys.executable, "-m", "ingest", "show", job.id], capture_output=True,
                                   text=True, timeout=60, env=os.environ.copy())
            assert "waiting on GitHub: 2 per hour without a credential" in shown.stdout, shown.stdout + shown.stderr
            assert "would help: " + CREDENTIAL_HINT in shown.stdout
            print(json.dumps(wait, indent=2), line, shown.stdout, sep="\n")
        finally:
            if job is not None:
                job.cancel()
    assert job.status()["wait"] is None, "a cancelled job waits on nothing"


def _first_wait(job, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        wait = job.status()["wait"]
        if wait is not None and wait["next_in"] is not None:
            return wait
        time.sleep(0.3)
    raise AssertionError(f"job {job.id} never said why it waits: {job.status()}")
