"""The command line's pure parts: reading `--name value` parameters, the limits table."""

from __future__ import annotations

import pytest

from ingest.api.cli import build_parser, limit_lines
from ingest.api.cli_jobs import parse_params
from ingest.errors import ParameterError


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
        "mastodon": {"127.0.0.1:17603": {"mode": "known", "rate": 1.0, "limit": 300, "remaining": 120,
                                         "reset": 12.5, "throttles": 0, "granted": 180, "denied": 3,
                                         "promised_ahead": 40}},
        "hackernews": {"h": {"mode": "adaptive", "rate": 14.2, "limit": None, "remaining": None, "reset": None,
                             "throttles": 4, "granted": 900, "denied": 12, "promised_ahead": 0}},
    })
    assert lines[0].split() == ["source", "host", "mode", "rate/s", "limit", "remaining", "reset", "s",
                                "throttles", "granted", "denied", "promised"]
    assert lines[1].split() == ["hackernews", "h", "adaptive", "14.20", "-", "-", "-", "4", "900", "12", "0"]
    assert lines[2].split() == ["mastodon", "127.0.0.1:17603", "known", "1.00", "300", "120", "12.50", "0", "180", "3", "40"]
