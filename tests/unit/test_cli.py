"""The command line's pure parts: reading `--name value` parameters, the limits table, and
how a product error is shown: one line naming the problem, never a traceback, a non-zero exit."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from datetime import datetime

import pytest

from ingest import errors
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


def test_the_jobs_listing_shows_waits_and_refusals_with_their_share(monkeypatch, capsys):
    class Listed:
        id = "hackernews-1"

        def status(self):
            return {"state": "completed", "created": datetime(2026, 1, 2, 3, 4, 5), "total_nodes": 41,
                    "counts": {"records": 40, "calls": 41, "waits": 300, "refusals": 4, "errors": 0}}

    monkeypatch.setattr("ingest.jobs", lambda **where: [Listed()])
    assert cli_jobs._jobs(None, argparse.Namespace(limit=5, source=None, state=None)) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-5:] == ["waits", "refusals", "of", "calls", "errors"]
    assert row.split()[-5:] == ["41", "300", "4", "9.8%", "0"]


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
