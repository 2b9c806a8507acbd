"""Progress toward the pull's goal and the ETA, from made-up snapshot inputs: exact numbers, `now`
given, and how the text, the CLI bar and the notebook's bar show them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest.api import cli_jobs
from ingest.jobtree.states import JobCounts, JobState
from ingest.view.progress import current_rate
from ingest.view.snapshot import take_snapshot

START = 1_700_000_000


def document(state: str = "running", limit: int | None = None) -> dict:
    return {"_id": "reddit-abc", "source": "reddit", "state": state,
            "created": datetime.fromtimestamp(START, timezone.utc),
            "finished": datetime.fromtimestamp(START + 20, timezone.utc) if state != "running" else None,
            "spec": {"limit": limit}}


def counts(groups: dict[tuple[str, int, str], int], calls: int = 0, records: int = 0) -> JobCounts:
    by_state: dict[str, int] = {}
    for (_kind, _depth, state), count in groups.items():
        by_state[state] = by_state.get(state, 0) + count
    return JobCounts(by_state, groups, {"calls": calls, "records": records}, None)


def one_call_a_second(seconds: int) -> list[tuple[int, int]]:
    return [(START + second, 1) for second in range(seconds)]


def test_a_limit_of_a_billion_is_barely_begun_after_twenty_pages_not_95_percent():
    listing = counts({("listing", 0, "done"): 19, ("listing", 0, "running"): 1}, calls=19, records=1_900)
    snapshot = take_snapshot(document(limit=10**9), listing, [], one_call_a_second(20), 1.0, now=START + 20.5,
                             goal_records=1_900, page_size=100, expected_calls=10**7)
    assert snapshot.progress == pytest.approx(1_900 / 10**9)
    assert (snapshot.progress_basis, snapshot.progress_counts) == ("records of limit", (1_900, 10**9))
    assert snapshot.progress_text() == "0.0% · 1,900 of 1,000,000,000 records (limit)"
    # (10**9 - 1,900) / 100 pages still to read, at one call a second.
    assert (snapshot.eta_calls, snapshot.eta_rate, snapshot.eta) == (9_999_981, 1.0, 9_999_981.0)
    assert snapshot.eta_text() == "ETA 116 days (9,999,981 calls at 1/s)"
    assert snapshot.to_dict()["eta_seconds"] == 9_999_981.0


def test_a_bounded_listing_counts_its_records_against_the_limit_and_its_pages_still_needed():
    listing = counts({("listing", 0, "done"): 4, ("listing", 0, "running"): 1, ("comments", 1, "done"): 300,
                      ("comments", 1, "queued"): 100}, calls=304)
    snapshot = take_snapshot(document(limit=1_000), listing, [], [(START + s, 2) for s in range(10)], None,
                             now=START + 10.2, goal_records=400, page_size=100)
    assert (snapshot.progress, snapshot.progress_basis) == (0.4, "records of limit")
    # Six pages for the 600 records missing (the running one among them), and 100 comment calls.
    assert (snapshot.eta_calls, snapshot.eta_rate, snapshot.eta) == (106, 2.0, 53.0)
    assert snapshot.eta_text() == "ETA 53 s (106 calls at 2/s)"


def test_nodes_that_lag_behind_the_records_are_the_progress_shown():
    listing = counts({("listing", 0, "done"): 9, ("listing", 0, "running"): 1, ("comments", 1, "queued"): 890})
    snapshot = take_snapshot(document(limit=1_000), listing, [], [], None, now=START + 10, goal_records=900,
                             page_size=100)
    assert (snapshot.progress, snapshot.progress_basis, snapshot.progress_counts) == (0.01, "nodes", (9, 900))


def test_once_the_listing_ran_out_the_nodes_left_are_the_goal():
    tree = counts({("listing", 0, "done"): 3, ("comments", 1, "done"): 30, ("comments", 1, "queued"): 10})
    snapshot = take_snapshot(document(limit=1_000), tree, [], [], 2.0, now=START + 10, goal_records=250,
                             page_size=100)
    assert (snapshot.progress, snapshot.progress_basis) == (33 / 43, "nodes")
    assert (snapshot.eta_calls, snapshot.eta_rate, snapshot.eta) == (10, 2.0, 5.0)


def test_a_list_of_known_length_counts_down_from_the_estimate():
    tree = counts({("list", 0, "done"): 1, ("item", 1, "done"): 4, ("item", 1, "queued"): 6}, calls=5)
    snapshot = take_snapshot(document(limit=10), tree, [], [(START + 1, 2), (START + 2, 2)], None,
                             now=START + 3.5, expected_calls=11)
    assert (snapshot.progress, snapshot.progress_basis, snapshot.progress_text()) == (
        5 / 11, "nodes", "45.5% · 5 of 11 nodes done")
    # The mean of seconds 0 to 2 of the job: (0 + 2 + 2) / 3 calls a second.
    assert (snapshot.eta_calls, snapshot.eta) == (6, pytest.approx(4.5))


def test_an_unbounded_listing_still_read_has_no_eta():
    listing = counts({("listing", 0, "done"): 19, ("listing", 0, "running"): 1}, calls=19)
    snapshot = take_snapshot(document(), listing, [], one_call_a_second(20), 1.0, now=START + 20.5, page_size=100)
    assert (snapshot.progress, snapshot.progress_basis, snapshot.eta) == (0.95, "nodes", None)
    assert snapshot.eta_text() == "ETA unknown"


def test_the_rate_is_the_recent_mean_under_the_limit_or_the_limit_before_any_call():
    assert current_rate([(0.0, 4.0), (1.0, 2.0)], 1.5) == 1.5
    assert current_rate([(second, 0.0) for second in range(40)] + [(40.0, 3.0)] * 30, None) == 3.0
    assert current_rate([(0.0, 0.0)], 0.25) == 0.25
    assert current_rate([], None) is None


def test_a_cancelled_job_shows_how_far_it_got_never_a_full_bar():
    tree = counts({("listing", 0, "done"): 3, ("listing", 0, "cancelled"): 1, ("comments", 1, "cancelled"): 4})
    snapshot = take_snapshot(document("cancelled"), tree, [], [], 1.0, now=START + 30)
    assert (snapshot.progress, snapshot.progress_basis, snapshot.eta) == (0.375, "nodes", None)
    assert snapshot.progress_text() == "cancelled at 37.5% · 3 of 8 nodes done" and snapshot.eta_text() == ""
    assert snapshot.as_text().splitlines()[1] == (
        "[###########-------------------]  cancelled at 37.5% · 3 of 8 nodes done")
    line = cli_jobs.progress_line(snapshot)
    assert line.startswith("[###########...................] cancelled at 37.5% · 3 of 8 nodes done  0 records")


def test_a_job_cancelled_while_its_listing_ran_shows_the_records_it_got_of_the_limit():
    tree = counts({("listing", 0, "done"): 4, ("listing", 0, "cancelled"): 1})
    snapshot = take_snapshot(document("cancelled", limit=1_000), tree, [], [], None, goal_records=400,
                             page_size=100)
    assert snapshot.progress_text() == "cancelled at 40.0% · 400 of 1,000 records (limit)"


def test_a_job_with_failed_nodes_says_failed_and_a_completed_one_is_full():
    tree = counts({("item", 1, "done"): 8, ("item", 1, "failed"): 2})
    failed = take_snapshot(document("completed_with_errors"), tree, [], [], None)
    assert (failed.progress, failed.progress_text()) == (0.8, "failed: 2 nodes · 80.0% · 8 of 10 nodes done")
    done = take_snapshot(document("completed", limit=10**9), counts({("item", 1, "done"): 10}), [], [], None,
                         goal_records=10, page_size=100)
    assert (done.progress, done.progress_text()) == (1.0, "100.0% · 10 of 10 nodes done")


def test_the_notebook_bar_shows_a_cancelled_job_as_cancelled():
    pytest.importorskip("ipywidgets")
    from ingest.view.widgets import JobView

    tree = counts({("listing", 0, "done"): 3, ("listing", 0, "cancelled"): 5})
    snapshot = take_snapshot(document("cancelled"), tree, [], [], None, now=START + 30)
    view = JobView(lambda: snapshot, lambda: None, lambda: 0)
    view.render(snapshot)
    assert (view.progress.value, view.progress.bar_style) == (0.375, "danger")
    assert view.progress_label.value == "cancelled at 37.5% · 3 of 8 nodes done"
    running = take_snapshot(document(limit=1_000), counts({("listing", 0, "running"): 1}), [], [], 1.0,
                            now=START + 1, goal_records=0, page_size=100, expected_calls=10)
    view.render(running)
    assert (view.progress.value, view.progress.bar_style) == (0.0, "info")
    assert view.progress_label.value == "0.0% · 0 of 1,000 records (limit)  ETA 10 s (10 calls at 1/s)"
    view.close()
