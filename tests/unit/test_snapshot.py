"""A job's snapshot from made-up documents and counts: exact numbers, and its text."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ingest.view.snapshot import RatePoint, limit_rate, refusals_text, take_snapshot
from ingest.jobtree.states import JobCounts, JobState

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def naive_utc(unix: float) -> datetime:
    """As MongoDB answers a stored datetime: UTC without tzinfo."""
    return datetime.fromtimestamp(unix, timezone.utc).replace(tzinfo=None)


def job_document(state: str = "running", finished: float | None = None) -> dict:
    return {"_id": "mastodon-abc", "source": "mastodon", "state": state, "created": naive_utc(START),
            "finished": naive_utc(finished) if finished is not None else None, "spec": {}}


def counts() -> JobCounts:
    return JobCounts(
        by_state={"queued": 3, "running": 1, "done": 5, "failed": 1},
        by_group={("statuses", 0, "done"): 5, ("statuses", 0, "running"): 1,
                  ("replies", 1, "queued"): 3, ("replies", 1, "failed"): 1, ("replies", 1, "done"): 0},
        totals={"calls": 12, "records": 400, "new_records": 300, "waits": 5, "refusals": 3, "retries": 1,
                "errors": 1},
        changed=None,
    )


ERRORS = [{"node": "abcdef0123456789", "kind": "transient", "status": 503, "attempt": 2,
           "message": "Service\n  unavailable", "at": "2023-11-14 22:13:25.500000+00:00"}]
RATE = [(START, 2), (START + 1, 3), (START + 4, 4), (START + 6, 1)]


def running_snapshot():
    return take_snapshot(job_document(), counts(), ERRORS, RATE, 5.0, now=START + 6.25)


def test_a_running_jobs_snapshot_counts_its_nodes_and_totals():
    snapshot = running_snapshot()
    assert snapshot.job_id == "mastodon-abc" and snapshot.source == "mastodon"
    assert snapshot.state is JobState.RUNNING and not snapshot.ended
    assert snapshot.created == datetime.fromtimestamp(START, timezone.utc)
    assert snapshot.finished is None
    assert snapshot.elapsed == pytest.approx(6.25)
    assert snapshot.nodes == {"queued": 3, "waiting": 0, "running": 1, "retrying": 0, "done": 5,
                              "skipped": 0, "failed": 1, "cancelled": 0}
    assert snapshot.groups == {("statuses", 0, "done"): 5, ("statuses", 0, "running"): 1,
                               ("replies", 1, "queued"): 3, ("replies", 1, "failed"): 1}
    assert snapshot.totals == {"calls": 12, "records": 400, "new_records": 300, "waits": 5, "refusals": 3,
                               "retries": 1, "errors": 1}
    assert snapshot.refusal_percent == 25.0
    # The failed node has ended, but it is no progress.
    assert (snapshot.total_nodes, snapshot.terminal_nodes, snapshot.progress) == (10, 6, 0.5)
    assert snapshot.limit == 5.0


def test_errors_keep_node_kind_status_message_and_time():
    assert running_snapshot().errors == ({
        "node": "abcdef0123456789", "kind": "transient", "status": 503, "message": "Service\n  unavailable",
        "at": datetime(2023, 11, 14, 22, 13, 25, 500000, tzinfo=timezone.utc), "outcome": ""},)


def test_the_rate_is_one_point_a_second_since_the_start_up_to_the_last_whole_second():
    assert running_snapshot().rate == (RatePoint(0.0, 2.0), RatePoint(1.0, 3.0), RatePoint(2.0, 0.0),
                                       RatePoint(3.0, 0.0), RatePoint(4.0, 4.0), RatePoint(5.0, 0.0))


def test_the_rate_keeps_only_the_window():
    snapshot = take_snapshot(job_document(), counts(), [], RATE, None, now=START + 6.25, window=3)
    assert snapshot.rate == (RatePoint(3.0, 0.0), RatePoint(4.0, 4.0), RatePoint(5.0, 0.0))
    assert snapshot.limit is None


def test_an_ended_job_is_complete_and_its_rate_runs_to_its_last_call():
    snapshot = take_snapshot(job_document("completed_with_errors", finished=START + 5.5), counts(), [],
                             RATE, None, now=START + 100.0)
    assert snapshot.ended and snapshot.progress == 0.5 and snapshot.eta is None
    assert snapshot.progress_text() == "failed: 1 node · 50.0% · 5 of 10 nodes done"
    assert snapshot.elapsed == pytest.approx(5.5)
    assert [point.seconds for point in snapshot.rate] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert snapshot.rate[-1] == RatePoint(6.0, 1.0)


def test_a_job_without_nodes_or_calls_has_no_progress_and_no_rate():
    empty = JobCounts({}, {}, {}, None)
    snapshot = take_snapshot(job_document(), empty, [], [], None)
    assert (snapshot.progress, snapshot.rate, snapshot.elapsed) == (None, (), None)
    assert snapshot.progress_text() == "--.-% · 0 of 0 nodes done"
    assert snapshot.totals == dict.fromkeys(("calls", "records", "new_records", "waits", "refusals", "retries",
                                             "errors"), 0)
    assert snapshot.refusal_percent is None
    assert "· waits 0 · refusals 0 · retries 0 ·" in snapshot.totals_line()
    assert snapshot.group_rows() == ()


def test_an_unknown_job_state_is_refused():
    with pytest.raises(ValueError):
        take_snapshot(job_document("paused"), counts(), [], [], None)


def test_group_rows_are_shallowest_first_with_every_state():
    rows = running_snapshot().group_rows()
    assert [(row.kind, row.depth, row.total) for row in rows] == [("statuses", 0, 6), ("replies", 1, 4)]
    assert rows[1].counts == {"queued": 3, "waiting": 0, "running": 0, "retrying": 0, "done": 0,
                              "skipped": 0, "failed": 1, "cancelled": 0}


def test_the_text_shows_one_screen_of_the_job():
    text = running_snapshot().as_text()
    lines = text.splitlines()
    assert lines[0] == "mastodon-abc · mastodon · running · 6.2 s"
    assert lines[1].endswith("]  50.0% · 5 of 10 nodes done  ETA unknown")
    assert lines[2].split() == ["kind", "depth", "queued", "waiting", "running", "retrying", "done",
                                "skipped", "failed", "cancelled"]
    assert lines[3].split() == ["statuses", "0", "0", "0", "1", "0", "5", "0", "0", "0"]
    assert lines[4].split() == ["replies", "1", "3", "0", "0", "0", "0", "0", "1", "0"]
    assert lines[5] == "records 400 (300 new) · calls 12 · waits 5 · refusals 3 (25.0% of calls) · retries 1 · errors 1"
    assert lines[6] == "calls/s 0 last second · 1.50 mean over 6 s · limit 5/s"
    assert lines[7] == "recent errors (1):"
    assert lines[8] == "  22:13:25  transient  503  node abcdef01  Service unavailable"
    assert repr(running_snapshot()) == text


def test_the_text_cuts_long_tables_and_error_lists():
    many = JobCounts({"queued": 20}, {(f"kind{i:02d}", 0, "queued"): 1 for i in range(20)}, {}, None)
    errors = [{"node": f"n{i}", "message": "x" * 300} for i in range(9)]
    text = take_snapshot(job_document(), many, errors, [], None).as_text(max_rows=4, max_errors=2, width=60)
    assert "... and 16 more kinds and depths" in text
    assert "calls/s: none yet" in text
    error_lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(error_lines) == 2 and all(len(line) == 60 for line in error_lines)


def test_the_dict_is_json():
    data = json.loads(json.dumps(running_snapshot().to_dict()))
    assert data["state"] == "running" and data["progress"] == 0.5
    assert data["created"] == "2023-11-14T22:13:20+00:00" and data["finished"] is None
    assert {"kind": "replies", "depth": 1, "state": "failed", "count": 1} in data["groups"]
    assert data["errors"][0]["at"] == "2023-11-14T22:13:25.500000+00:00"
    assert data["rate"][4] == [4.0, 4.0] and data["limit"] == 5.0


def test_the_limit_is_the_hosts_rate_or_the_tightest_of_the_source():
    limiter = {"reddit": {"oauth.reddit.com": {"rate": 1.0}, "www.reddit.com": {"rate": 0.5}},
               "hackernews": {"hn.example": {"rate": None}}}
    assert limit_rate(limiter, "reddit", "oauth.reddit.com") == 1.0
    assert limit_rate(limiter, "reddit", "elsewhere") == 0.5
    assert limit_rate(limiter, "reddit") == 0.5
    assert limit_rate(limiter, "hackernews", "hn.example") is None
    assert limit_rate(limiter, "mastodon", "mastodon.social") is None


@pytest.mark.parametrize(("calls", "refusals", "text"), [
    (12, 3, "refusals 3 (25.0% of calls)"), (12, 0, "refusals 0 (0.0% of calls)"),
    (40_000, 1, "refusals 1 (<0.1% of calls)"), (0, 0, "refusals 0"),
])
def test_the_refusals_show_their_share_of_the_calls(calls, refusals, text):
    assert refusals_text({"calls": calls, "refusals": refusals, "waits": 99}) == text


def test_waits_are_not_refusals_in_the_share():
    paced = JobCounts({"done": 1}, {}, {"calls": 10, "waits": 30, "refusals": 0}, None)
    refused = JobCounts({"done": 1}, {}, {"calls": 10, "waits": 0, "refusals": 2}, None)
    assert (paced.refusal_percent, refused.refusal_percent) == (0.0, 20.0)
    assert take_snapshot(job_document(), refused, [], [], None).to_dict()["refusal_percent"] == 20.0


def test_the_nodes_parked_in_waiting_rooms_are_shown_by_the_limit_they_wait_on():
    from ingest.view.html import totals_html

    parked = {"reddit oauth.reddit.com (me): 600 per 600 s": 120, "hackernews hn.example: adaptive rate": 3,
              "nothing here": 0}
    snapshot = take_snapshot(job_document(), counts(), [], RATE, None, now=START + 6.25, parked=parked)
    assert snapshot.parked_line() == ("parked: 3 on hackernews hn.example: adaptive rate; "
                                      "120 on reddit oauth.reddit.com (me): 600 per 600 s")
    assert "<div class=\"parked\">parked: 3 on" in totals_html(snapshot)
    idle = take_snapshot(job_document(), counts(), [], RATE, None, now=START + 6.25)
    assert idle.parked_line() == "" and "parked" not in totals_html(idle)
