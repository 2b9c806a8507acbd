"""An HN Search pull through the real stack (its own queue and worker pool) against the
sandbox: a query past Algolia's 1,000-hit cap is sliced by time, and every hit is stored once."""

from __future__ import annotations

import math

import pytest

import ingest
from tests.sandbox_admin import SandboxAdmin
from tests.running_stack import FAST

pytestmark = pytest.mark.stack


def test_a_search_past_the_cap_stores_every_hit_once_with_the_calls_its_slices_need(settings):
    sandbox = SandboxAdmin(settings.sandbox_url)
    sandbox.reset()
    truth = sandbox.truth("/algolia/search_by_date?tags=story")
    assert len(truth) > 1000
    job = ingest.pull("hn_search", base_url=settings.sandbox_url + "/algolia", tags="story", **FAST)
    status = job.wait(timeout=180)
    assert status["state"] == "completed", status
    stored = job.record_ids("hn_search_hits")
    assert sorted(stored) == sorted(truth) and len(set(stored)) == len(stored)
    assert status["counts"]["records"] == len(truth), "a hit was stored twice"
    assert sandbox.calls("algolia") <= math.ceil(len(truth) / 1000) + 1
