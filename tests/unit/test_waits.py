"""Why a job waits, from made-up limiter snapshots, parked counts and specs: exact text, with
the moment and the time zone given."""

from __future__ import annotations

import io
import json
from datetime import timezone

import pytest

from ingest import connectors
from ingest.api.cli_jobs import progress_line, wait_lines
from ingest.api.waits import wait_reason
from ingest.jobtree.states import JobCounts
from ingest.limits import KnownLimit, LimitScope
from ingest.limits.describe import limit_text, limit_words, span_words, window_words
from ingest.limits.known import limit_key
from ingest.view.html import totals_html
from ingest.view.snapshot import take_snapshot
from ingest.view.words import time_words
from tests.private_redis import client, redis_url  # noqa: F401  (fixtures)

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
GITHUB_HOST = "api.github.com"
PARKED = {"rest api.github.com: 60 per hour": 4}
WAITING = {"waiting": 4, "done": 2}
CREDENTIAL_HOW = "(`ingest credentials add NAME --kind bearer`, then `pull(..., credential=\"NAME\")`)"
POOL = "a pool of credentials, each with its own limit (`pull(..., credential=[\"NAME1\", \"NAME2\"])`)"


def github_document(state: str = "running", options: dict | None = None, **params) -> dict:
    spec = connectors.get("rest").validate({"preset": "github_issues", "owner": "psf", "repo": "requests", **params})
    return {"_id": "rest-abc", "source": "rest", "state": state, "spec": spec, "options": options or {}}


def github_key(credential: str | None = None, host: str = GITHUB_HOST, window: float = 3600.0) -> str:
    limit = KnownLimit(60, window, ("host", "credential"))
    return limit_key(LimitScope("rest", host, credential, known=(limit,)), limit)


def known_entry(key: str, limit: int, remaining: int, reset: float, blocked_for: float = 0.0,
                set_by: str = "default", window: float = 3600.0) -> dict:
    return {"mode": "known", "limits": [{"key": key, "limit": limit, "window": window, "remaining": remaining,
                                         "reset": reset, "blocked_for": blocked_for, "set_by": set_by}]}


def github_limiter(entry: dict, host: str = GITHUB_HOST) -> dict:
    return {"rest": {host: entry}}


def reason(document: dict, limiter: dict, parked=PARKED, nodes=WAITING):
    return wait_reason(document, limiter, parked, nodes, NOW, timezone.utc)


@pytest.mark.parametrize(("seconds", "words"), [
    (3600.0, "hour"), (60.0, "minute"), (1.0, "second"), (86400.0, "day"), (300.0, "5 minutes"),
    (600.0, "10 minutes"), (7200.0, "2 hours"), (90.0, "90 s"), (0.5, "0.5 s"),
])
def test_a_window_reads_as_a_person_says_it(seconds, words):
    assert window_words(seconds) == words


def test_a_spacing_always_says_its_count():
    assert [span_words(seconds) for seconds in (1.0, 60.0, 1800.0, 0.72)] == ["1 second", "1 minute", "30 minutes",
                                                                               "0.72 s"]


def test_a_limit_reads_with_its_count_and_how_it_is_counted():
    github = KnownLimit(60, 3600.0, ("host", "credential"))
    assert limit_words(5000, 3600.0) == "5,000 per hour"
    assert limit_text(github, 0) == "60 per hour without a credential"
    assert limit_text(github, 1, requests=5000) == "5,000 per hour per credential"
    assert limit_text(github, 3) == "60 per hour per credential, 3 credentials"
    assert limit_text(KnownLimit(3000, 300.0, ("host", "ip")), 0) == "3,000 per 5 minutes per address"
    assert limit_text(KnownLimit(10_000, 3600.0, ("host",)), 0) == "10,000 per hour"


@pytest.mark.parametrize(("seconds", "words"), [
    (0.4, "under a second"), (40.2, "40 s"), (160.0, "2 min 40 s"), (120.0, "2 min"), (3900.0, "1 h 5 min"),
    (7200.0, "2 h"), (47 * 3600.0, "47 h"), (10_000_000.0, "116 days"),
])
def test_a_wait_reads_to_the_second(seconds, words):
    assert time_words(seconds) == words


def test_a_github_pull_without_a_credential_says_the_limit_the_next_call_and_that_a_credential_helps():
    found = reason(github_document(), github_limiter(known_entry(github_key(), 60, 0, 160.0)))
    assert found.line() == ("waiting on GitHub: 60 per hour without a credential · the 60 per hour are used up · "
                            "next call at 22:16:00 (in 2 min 40 s)")
    assert found.help_line() == ("would help: a credential: GitHub allows 5,000 per hour with one "
                                 f"{CREDENTIAL_HOW}; or {POOL}")
    assert found.waiting == 4
    data = json.loads(json.dumps(found.to_dict()))
    assert data["next_call"] == "2023-11-14T22:16:00+00:00" and data["next_in"] == 160.0
    assert data["limit"] == "60 per hour without a credential" and data["line"] == found.line()


def test_with_a_credential_the_limit_is_its_own_and_a_pool_is_what_helps():
    document = github_document(credential="gh-main")
    found = reason(document, github_limiter(known_entry(github_key("gh-main"), 5000, 12, 900.0)))
    assert found.line() == ("waiting on GitHub: 5,000 per hour per credential · calls go out 0.72 s apart · "
                            "next call by 22:13:20 (in under a second)")
    assert found.help_line() == f"would help: {POOL}"


def test_the_waiting_rooms_next_release_makes_the_next_call_under_spaced_calls_exact():
    document = github_document(credential="gh-main")
    limiter = github_limiter(known_entry(github_key("gh-main"), 5000, 12, 900.0))
    found = wait_reason(document, limiter, PARKED, WAITING, NOW, timezone.utc, due=NOW + 0.5)
    assert found.next_call_text() == "next call at 22:13:20 (in under a second)"
    late = wait_reason(document, limiter, PARKED, WAITING, NOW, timezone.utc, due=NOW - 3.0)
    assert (late.next_in, late.at_most) == (0.0, False)
    used_up = wait_reason(github_document(), github_limiter(known_entry(github_key(), 60, 0, 160.0)), PARKED,
                          WAITING, NOW, timezone.utc, due=NOW + 1.0)
    assert used_up.next_in == 160.0, "a used-up window's reset is exact already"


def test_the_binding_limit_of_a_pool_is_the_one_that_holds_the_next_call_longest():
    document = github_document(credential=["gh-a", "gh-b"])
    entry = known_entry(github_key("gh-a"), 5000, 0, 30.0)
    entry["limits"] += known_entry(github_key("gh-b"), 5000, 0, 75.0)["limits"]
    found = reason(document, github_limiter(entry))
    assert found.limit == "5,000 per hour per credential, 2 credentials"
    assert found.next_call_text() == "next call at 22:14:35 (in 1 min 15 s)"


def test_a_retry_after_is_said_as_the_apis_own_request_to_wait():
    found = reason(github_document(), github_limiter(known_entry(github_key(), 60, 20, 0.0, blocked_for=30.0)))
    assert found.line() == ("waiting on GitHub: 60 per hour without a credential · the API asked to wait "
                            "(Retry-After) · next call at 22:13:50 (in 30 s)")


def test_a_number_the_api_states_is_shown_beside_the_published_one():
    found = reason(github_document(), github_limiter(known_entry(github_key(), 2, 0, 3300.0, set_by="api")))
    assert found.line() == ("waiting on GitHub: 2 per hour without a credential, as the API states it "
                            "(60 per hour published) · the 2 per hour are used up · next call at 23:08:20 (in 55 min)")


def test_a_limit_set_by_the_pulls_limits_option_says_the_option_is_what_holds_it():
    document = github_document(options={"limits": {"requests": 2, "window": 60.0}})
    found = reason(document, github_limiter(known_entry(github_key(window=60.0), 2, 0, 20.0, set_by="user", window=60.0)))
    assert found.line() == ("waiting on GitHub: 2 per minute without a credential · the 2 per minute are used up · "
                            "next call at 22:13:40 (in 20 s)")
    assert found.help_line() == ("would help: a looser `limits=` option, or none: the source's limit is "
                                 f"60 per hour without a credential; or a credential: its calls are counted apart "
                                 f"{CREDENTIAL_HOW}; or {POOL}")


def test_the_limit_is_found_on_another_host_of_the_source_when_the_base_urls_has_none():
    found = reason(github_document(), github_limiter(known_entry(github_key(host="other.example"), 60, 0, 10.0),
                                                     host="other.example"))
    assert found.next_in == 10.0


def test_before_the_limiter_counted_a_call_the_limit_is_still_named():
    found = reason(github_document(), {"rest": {}})
    assert found.line() == ("waiting on GitHub: 60 per hour without a credential · "
                            "next call not known yet: no call counted under this limit")


def test_an_unknown_limit_says_the_rate_is_being_found():
    document = {"_id": "hackernews-abc", "source": "hackernews", "state": "running", "options": {},
                "spec": connectors.get("hackernews").validate({"list": "top"})}
    limiter = {"hackernews": {"hacker-news.firebaseio.com": {"mode": "adaptive", "rate": 2.5, "paced": 2.0,
                                                             "paused_for": 0.0, "blocked_for": 0.0}}}
    found = reason(document, limiter)
    assert found.line() == ("waiting on Hacker News: no published limit: the rate is being found from the API's "
                            "answers · calls go out at 2 per second for now · next call by 22:13:20 (in under a second)")
    assert found.help_line() == ""
    limiter["hackernews"]["hacker-news.firebaseio.com"]["paused_for"] = 12.0
    assert reason(document, limiter).cause == "pausing after the API refused a call"


def test_nothing_is_said_when_nothing_waits_or_the_job_ended():
    limiter = github_limiter(known_entry(github_key(), 60, 0, 160.0))
    assert reason(github_document(), limiter, parked={}, nodes={"running": 1, "waiting": 0}) is None
    assert reason(github_document("cancelled"), limiter) is None
    assert reason(github_document(), limiter, parked={}, nodes={"waiting": 2}).waiting == 2


def test_every_view_shows_the_same_wait_and_only_while_the_job_runs():
    found = reason(github_document(), github_limiter(known_entry(github_key(), 60, 0, 160.0)))
    document = {"_id": "rest-abc", "source": "rest", "state": "running", "created": NOW - 10.0}
    counts = JobCounts({"waiting": 4, "done": 2}, {}, {}, None)
    snapshot = take_snapshot(document, counts, [], [], None, now=NOW, parked=PARKED, wait=found)
    assert snapshot.wait_line() == found.line()
    assert found.line() in snapshot.as_text() and found.help_line() in snapshot.as_text()
    assert snapshot.to_dict()["wait"]["line"] == found.line()
    assert progress_line(snapshot).endswith("  running  next call in 2 min 40 s")
    assert wait_lines(snapshot) == [found.line(), found.help_line()]
    assert wait_lines(snapshot)[0] == ("waiting on GitHub: 60 per hour without a credential · the 60 per hour are "
                                       "used up · next call at 22:16:00 (in 2 min 40 s)")
    html = totals_html(snapshot)
    assert "<div class=\"wait\"" in html and "60 per hour without a credential" in html and "5,000 per hour" in html
    ended = take_snapshot({**document, "state": "cancelled", "finished": NOW}, counts, [], [], None, now=NOW,
                          wait=found)
    assert ended.wait is None and ended.wait_line() == "" and "class=\"wait\"" not in totals_html(ended)
    assert "next call" not in progress_line(ended) and wait_lines(ended) == []


def test_the_wait_reads_the_limiters_own_snapshot_of_a_github_pull_that_used_its_60_calls(client):
    """The limiter counts 60 calls of an anonymous GitHub pull as the workers' pipeline scopes
    them; the reason then finds that limit in `Limiter.snapshot()` and says when it frees up."""
    from ingest.limits import Limiter
    from ingest.pipeline.limit_scope import scope_for

    document = github_document()
    connector = connectors.get("rest").for_spec(document["spec"])
    scope = scope_for(connector, document["spec"], connector.start(document["spec"])[0])
    limiter = Limiter(client, prefix="test:limits")
    start = NOW - 3000.0
    granted = limiter.grant(scope, 60, now=start)
    assert len(granted.granted_at) == 1, "the grid spaces the calls one minute apart"
    for minute in range(1, 60):
        assert limiter.acquire(scope, now=start + 60.0 * minute).granted
    assert not limiter.acquire(scope, now=NOW).granted
    found = wait_reason(document, limiter.snapshot("rest", now=NOW), PARKED, WAITING, NOW, timezone.utc)
    assert found.limit == "60 per hour without a credential"
    assert found.cause == "the 60 per hour are used up"
    assert found.next_in == pytest.approx(3600.0 * 1.02 - 3000.0)  # the first call leaves the guarded hour
    assert found.next_call_text() == "next call at 22:24:32 (in 11 min 12 s)"


def test_the_limit_nodes_are_parked_on_is_named_in_the_same_words():
    from ingest.pipeline.permits import label_of

    github = KnownLimit(60, 3600.0, ("host", "credential"))
    assert label_of(LimitScope("rest", GITHUB_HOST, known=(github,))) == "rest api.github.com: 60 per hour"
    assert label_of(LimitScope("hackernews", "hn.example")) == "hackernews hn.example: adaptive rate"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FollowedJob:
    def __init__(self, snapshots):
        self.snapshots = iter(snapshots)

    def snapshot(self):
        return next(self.snapshots)


def test_following_a_pull_says_a_wait_once_above_a_bar_that_fits_the_terminal(monkeypatch):
    from ingest.api import cli_jobs

    found = reason(github_document(), github_limiter(known_entry(github_key(), 60, 0, 160.0)))
    later = reason(github_document(), github_limiter(known_entry(github_key(), 60, 0, 100.0)))
    document = {"_id": "rest-abc", "source": "rest", "state": "running", "created": NOW - 10.0}
    counts = JobCounts({"waiting": 4, "done": 2}, {}, {}, None)
    snapshots = [take_snapshot(document, counts, [], [], None, now=NOW, parked=PARKED, wait=wait)
                 for wait in (found, later)]
    snapshots.append(take_snapshot({**document, "state": "cancelled", "finished": NOW}, counts, [], [], None, now=NOW))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("COLUMNS", "80")
    assert cli_jobs._follow(FollowedJob(snapshots), None, sleep=lambda seconds: None) == 1
    drawn = terminal.getvalue()
    assert drawn.count("waiting on GitHub: 60 per hour without a credential") == 1  # the countdown alone is no news
    assert "would help: a credential: GitHub allows 5,000 per hour with one (`ingest credentials add" in drawn
    bars = [part for part in drawn.split("\r") if part.startswith("[")]
    assert len(bars) == 3 and all(len(bar.rstrip("\n")) == 79 for bar in bars)
    assert bars[0].endswith("…") and "next call" not in bars[2]
