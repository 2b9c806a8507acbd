"""The command line's pure parts: reading `--name value` parameters, the limits table, and
how a product error is shown: one line naming the problem, never a traceback, a non-zero exit."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from datetime import datetime

import pandas as pd
import pytest

from ingest import connectors, errors
from ingest.api import cli_jobs
from ingest.api.cli import build_parser, limit_lines, main
from ingest.api.cli_jobs import parse_params
from ingest.errors import ParameterError
from ingest.jobtree.states import JobCounts
from ingest.view.snapshot import take_snapshot

PRODUCT_ERRORS = sorted(
    (value for value in vars(errors).values() if inspect.isclass(value) and issubclass(value, errors.IngestError)),
    key=lambda cls: cls.__name__,
)


def test_parameters_are_read_as_literals_when_they_are_one():
    assert parse_params(["--tag", "python", "--limit", "500", "--fresh-for", "3600.0", "--with_context",
                         "--limits", "{'requests': 30, 'window': 10.0}", "--since", "2024-05-01"]) == {
        "tag": "python", "limit": 500, "fresh_for": 3600.0, "with_context": True,
        "limits": {"requests": 30, "window": 10.0}, "since": "2024-05-01"}


def test_a_value_without_a_name_is_a_clear_error():
    with pytest.raises(ParameterError, match=r"expected --name value after the source, got 'tag'"):
        parse_params(["tag", "python"])


@pytest.mark.parametrize("word, meant", [
    ("true", True), ("True", True), ("TRUE", True), ("yes", True), ("Yes", True), ("1", True),
    ("false", False), ("False", False), ("no", False), ("NO", False), ("0", False),
])
def test_a_boolean_is_read_from_the_words_an_analyst_types(word, meant):
    assert parse_params(["--subreddit", "python", "--with_comments", word], "reddit")["with_comments"] is meant
    assert parse_params(["--subreddit", "python", f"--with_comments={word}"], "reddit")["with_comments"] is meant


def test_a_boolean_flag_alone_is_true():
    assert parse_params(["--subreddit", "python", "--with-comments"], "reddit") == {
        "subreddit": "python", "with_comments": True}


@pytest.mark.parametrize("word", ["maybe", "2", "y e s", "truee"])
def test_a_word_that_is_no_boolean_is_refused(word):
    with pytest.raises(ParameterError, match=r"--with_comments takes true or false \(also yes/no, 1/0\), got"):
        parse_params(["--subreddit", "python", "--with_comments", word], "reddit")


def test_name_equals_value_is_name_then_value():
    words = ["--base_url=http://127.0.0.1:17603/hn", "--limit=5", "--list", "new", "--limits={'requests': 5, 'window': 1.0}"]
    assert parse_params(words, "hackernews") == {
        "base_url": "http://127.0.0.1:17603/hn", "limit": 5, "list": "new", "limits": {"requests": 5, "window": 1.0}}


@pytest.mark.parametrize("words", [
    ["--items", "8863", "8864"], ["--items", "8863,8864"], ["--items", "8863,", "8864"], ["--items=8863,8864"],
    ["--items", "[8863, 8864]"], ["--items", "8863, 8864"],
])
def test_a_list_is_read_from_words_or_commas(words):
    assert parse_params(words, "hackernews") == {"items": [8863, 8864]}


def test_a_list_of_one_is_a_list_and_a_pool_of_one_is_one_name():
    assert parse_params(["--items", "8863"], "hackernews") == {"items": [8863]}
    assert parse_params(["--credential", "a", "b"], "reddit") == {"credential": ["a", "b"]}
    assert parse_params(["--credential", "a,b"], "reddit") == {"credential": ["a", "b"]}
    assert parse_params(["--credential", "a"], "reddit") == {"credential": "a"}


def test_text_stays_text_where_text_is_declared():
    assert parse_params(["--preset", "github_issues", "--owner", "psf", "--repo", "123"], "rest") == {
        "preset": "github_issues", "owner": "psf", "repo": "123"}
    assert parse_params(["--q", "None"], "bluesky") == {"q": "None"}
    assert parse_params(["--since", "2025-05-30", "10:00"], "mastodon") == {"since": "2025-05-30 10:00"}


def test_a_number_takes_one_word_and_a_value_is_needed():
    with pytest.raises(ParameterError, match=r"--limit takes one number, got '5 6'"):
        parse_params(["--limit", "5", "6"], "hackernews")
    with pytest.raises(ParameterError, match=r"--limit needs a value: limit \(int"):
        parse_params(["--limit"], "hackernews")
    with pytest.raises(ParameterError, match=r"'--=5' has no name before its '='"):
        parse_params(["--=5"], "hackernews")


def test_what_the_command_line_reads_passes_validation():
    words = ["--base_url=http://127.0.0.1:17603/hn", "--items", "8863", "8864", "--with_users", "yes",
             "--since", "2025-05-30", "--limit", "10"]
    spec = connectors.get("hackernews").validate(parse_params(words, "hackernews"))
    assert (spec["items"], spec["with_users"], spec["since"], spec["limit"]) == (
        [8863, 8864], True, "2025-05-30T00:00:00Z", 10)


def test_a_huge_limit_on_the_command_line_is_the_products_error(capsys):
    assert main(["pull", "hackernews", "--limit", str(10**30)]) == 1
    line = _one_error_line(capsys.readouterr(), "pull")
    assert "the largest value allowed is 9223372036854775807" in line


def test_every_job_command_is_there():
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"pull", "jobs", "show", "rerun", "cancel", "export", "sources"} <= set(commands)


def test_the_limits_table_has_one_line_per_source_and_host():
    lines = limit_lines({
        "mastodon": {"127.0.0.1:17603": {"mode": "known", "rate": 1.0, "limit": 300, "set_by": "api", "remaining": 120,
                                         "reset": 12.5, "refusals": 0, "granted": 180, "denied": 3}},
        "hackernews": {"h": {"mode": "adaptive", "rate": 14.2, "limit": None, "remaining": None, "reset": None,
                             "refusals": 4, "granted": 900, "denied": 12}},
    })
    assert lines[0].split() == ["source", "host", "mode", "rate/s", "limit", "set_by", "remaining", "reset", "s",
                                "refusals", "granted", "denied"]
    assert lines[1].split() == ["hackernews", "h", "adaptive", "14.20", "-", "-", "-", "-", "4", "900", "12"]
    assert lines[2].split() == ["mastodon", "127.0.0.1:17603", "known", "1.00", "300", "api", "120", "12.50", "0",
                                "180", "3"]


def test_the_progress_bar_shows_waits_and_the_apis_refusals_apart():
    counts = JobCounts({"done": 3, "queued": 1}, {}, {"calls": 50, "records": 900, "new_records": 900, "waits": 120,
                                                     "refusals": 2, "retries": 0, "errors": 0}, None)
    snapshot = take_snapshot({"_id": "j", "source": "hackernews", "state": "running"}, counts, [], [], None,
                             parked={"hackernews hn.example: adaptive rate": 1})
    line = cli_jobs.progress_line(snapshot)
    assert line.endswith("75.0% · 3 of 4 nodes done  ETA unknown  900 records  50 calls  120 waits  refusals 2 (4.0% of calls)  0 errors  "
                         "1 parked  running")


def _listed(**row) -> pd.DataFrame:
    defaults = {"id": "hackernews-1", "name": None, "source": "hackernews", "state": "completed",
                "created": pd.Timestamp("2026-01-02 03:04:05", tz="UTC"), "finished": None, "nodes": 41,
                "records": 40, "calls": 41, "waits": 300, "refusals": 4, "errors": 0, "spec": "limit=40"}
    return pd.DataFrame([{**defaults, **row}])


def test_the_jobs_listing_shows_waits_and_refusals_with_their_share(monkeypatch, capsys):
    monkeypatch.setattr("ingest.jobs", lambda **where: _listed())
    assert cli_jobs._jobs(None, argparse.Namespace(limit=5, source=None, state=None, name=None)) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-5:] == ["waits", "refusals", "of", "calls", "errors"]
    assert row.split()[-5:] == ["41", "300", "4", "9.8%", "0"]


def test_the_jobs_listing_has_a_name_column_and_narrows_by_name(monkeypatch, capsys):
    asked = {}
    monkeypatch.setattr("ingest.jobs", lambda **where: asked.update(where) or _listed(name="week-22"))
    assert main(["jobs", "--name", "week-22", "--limit", "3"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["job", "name", "state"]
    assert row.split()[:4] == ["hackernews-1", "week-22", "completed", "2026-01-02"]
    assert (asked["name"], asked["limit"]) == ("week-22", 3)


def test_a_job_without_a_name_shows_a_dash_and_no_match_says_so(monkeypatch, capsys):
    monkeypatch.setattr("ingest.jobs", lambda **where: _listed())
    cli_jobs._jobs(None, argparse.Namespace(limit=5, source=None, state=None, name=None))
    assert capsys.readouterr().out.splitlines()[1].split()[1] == "-"
    monkeypatch.setattr("ingest.jobs", lambda **where: _listed().iloc[:0])
    cli_jobs._jobs(None, argparse.Namespace(limit=5, source=None, state=None, name="nothing"))
    assert capsys.readouterr().out == "no job matches; `ingest jobs` lists them all\n"


@pytest.fixture
def no_dotenv(monkeypatch, tmp_path):
    """Settings read from a clean environment: no .env, data under a temporary directory."""
    monkeypatch.setattr("ingest.settings.PROJECT_ROOT", tmp_path)
    for name in [name for name in os.environ if name.startswith("INGEST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("INGEST_DATA_DIR", str(tmp_path / "data"))


def _one_error_line(captured, command: str) -> str:
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"ingest {command}: ")
    return lines[0]


@pytest.mark.parametrize("error_class", PRODUCT_ERRORS, ids=lambda cls: cls.__name__)
def test_any_product_error_is_one_line_and_a_non_zero_exit(error_class, no_dotenv, monkeypatch, capsys):
    def fails(settings, args):
        raise error_class("the problem; the fix")

    monkeypatch.setattr(cli_jobs, "_sources", fails)
    assert main(["sources"]) == 1
    assert _one_error_line(capsys.readouterr(), "sources") == "ingest sources: the problem; the fix"


@pytest.mark.parametrize(("argv", "message"), [
    (["sources", "mastodont"], "No source named 'mastodont'. Did you mean 'mastodon'?"),
    (["pull", "mastodon", "tag", "python"], "expected --name value after the source, got 'tag'"),
    (["pull", "mastodon", "--limits", "{'requests': 'lots'}"], "rate-limit 'requests' must be a number above zero"),
    (["pull", "mastodon", "--tag", "python", "--timeout", "soon"], "--timeout 'soon' must be a number of seconds"),
], ids=["unknown source", "value without a name", "bad limits option", "bad timeout"])
def test_bad_input_on_the_command_line_is_one_line(argv, message, no_dotenv, capsys):
    assert main(argv) == 1
    assert message in _one_error_line(capsys.readouterr(), argv[0])


def test_a_bad_setting_is_one_line(no_dotenv, monkeypatch, capsys):
    monkeypatch.setenv("INGEST_WORKER_POOL", "fibers")
    assert main(["jobs"]) == 1
    assert "INGEST_WORKER_POOL='fibers' is not a Celery pool" in _one_error_line(capsys.readouterr(), "jobs")


def test_an_error_outside_the_product_is_not_hidden(no_dotenv, monkeypatch):
    def breaks(settings, args):
        raise KeyError("a bug")

    monkeypatch.setattr(cli_jobs, "_sources", breaks)
    with pytest.raises(KeyError):
        main(["sources"])


def test_a_reader_that_goes_away_ends_the_command_quietly(monkeypatch):
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["sources"]) == 141
    print("more output, as the interpreter's last flush would write")
