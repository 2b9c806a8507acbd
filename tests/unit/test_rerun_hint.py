"""Whether a rerun of the failed nodes could help, computed in the snapshot from their errors'
kinds and statuses; the view's Rerun-failed button and `ingest show` only read it; and `ingest
show` prints every error in full, wrapped."""

from __future__ import annotations

import argparse

import pytest

from ingest.api import cli_jobs
from ingest.jobtree.states import JobCounts, JobState
from ingest.view.snapshot import take_snapshot
from ingest.view.widgets import RERUN_TOOLTIP, JobView

URL = "http://127.0.0.1:17603/reddit/r/python/new"
HINT = ("; credential 'reddit-main' was sent: check it with `ingest credentials check reddit-main --source "
        "reddit`, or add another with `ingest credentials add NAME --kind reddit_script` and pull with "
        "credential='NAME'")


def error(kind: str, status: int | None, message: str = "", outcome: str = "") -> dict:
    return {"node": "0123456789abcdef", "kind": kind, "status": status, "message": message or f"HTTP {status}",
            "at": None, "outcome": outcome}


def ended(errors: list[dict], failed: int = 2, state: str = "completed_with_errors"):
    counts = JobCounts({"done": 3, "failed": failed}, {}, {"calls": 5, "records": 40, "errors": failed}, None)
    return take_snapshot({"_id": "reddit-1", "source": "reddit", "state": state}, counts, errors, [], None)


@pytest.mark.parametrize("errors", [
    [error("permanent", 401), error("permanent", 403)],
    [error("permanent", 404), error("permanent", 400)],
    [error("credential_refused", None), error("permanent", 401)],
    [error("transient", 503, outcome="retried"), error("permanent", 403, outcome="failed")],
], ids=["credential refused", "not found and a bad parameter", "a pool's credential refused",
        "a retried 503 before the 403 that failed the node"])
def test_a_rerun_cannot_help_when_every_failure_is_final(errors):
    snapshot = ended(errors)
    assert snapshot.rerun_could_help is False
    assert snapshot.rerun_hint().startswith("A rerun would fail again: every failed node was refused for a "
                                            "reason a rerun does not change (")


@pytest.mark.parametrize("errors", [
    [error("permanent", 401), error("transient", 503)],
    [error("permanent", 401, outcome="failed"), error("transient", 503, outcome="failed")],
    [error("transient", None, "timed out connecting")],
    [error("permanent", 401), error("rate_limited", 429)],
    [error("malformed", 200)],
    [],
], ids=["one 5xx among 401s", "retries exhausted on a 503", "a timeout", "refused for the rate", "a malformed answer", "errors unknown"])
def test_a_rerun_could_help_when_a_failure_may_pass(errors):
    snapshot = ended(errors)
    assert snapshot.rerun_could_help is True and snapshot.rerun_hint() == ""


def test_nothing_to_rerun_without_failed_nodes():
    snapshot = ended([error("transient", 503)], failed=0, state="completed")
    assert snapshot.rerun_could_help is False and snapshot.rerun_hint() == ""


def test_the_hint_names_the_statuses():
    assert "(HTTP 401: the credential; HTTP 404: not found)" in ended(
        [error("permanent", 404), error("permanent", 401)]).rerun_hint()


def test_the_button_is_disabled_with_the_reason_when_a_rerun_cannot_help():
    view = JobView(lambda: ended([error("permanent", 401)]), lambda: None, lambda: 0)
    view.refresh()
    assert view.rerun_button.disabled
    assert view.rerun_button.tooltip.startswith("A rerun would fail again") and "HTTP 401" in view.rerun_button.tooltip
    view.render(ended([error("permanent", 401), error("transient", 502)]))
    assert not view.rerun_button.disabled and view.rerun_button.tooltip == RERUN_TOOLTIP
    view.close()


def test_show_prints_long_errors_in_full_wrapped_and_the_rerun_hint(monkeypatch, capsys):
    message = f"HTTP 401 from {URL}: not authorised, retrying will not help (Reddit says 'Unauthorized')" + HINT
    snapshot = ended([error("permanent", 401, message)])

    class Shown:
        id = "reddit-1"
        spec = {"subreddit": "python"}

        def snapshot(self):
            return snapshot

    monkeypatch.setattr("ingest.job", lambda job_id, settings: Shown())
    assert cli_jobs._show(None, argparse.Namespace(job="reddit-1", follow=False, json=False)) == 0
    out = capsys.readouterr().out
    assert " ".join(out.split()).count(" ".join(message.split())) == 1, out
    assert all(len(line) <= 100 for line in out.splitlines() if not line.startswith("spec: "))
    assert "A rerun would fail again" in out
    assert "…" not in out
