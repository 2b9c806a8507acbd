"""A stack that does not answer is one product error, within two seconds, naming each part
that does not answer, its URL (password masked) and `ingest up`: for `pull`, `jobs`, `job`,
`Job.frame` and the command line. No stack runs here: every part's port is an unused one."""

from __future__ import annotations

import os
import random
import socket
import time

import pytest

import ingest
from ingest.api import connection
from ingest.api.cli import main
from ingest.api.jobs import Job
from ingest.errors import StackDownError, StackError
from ingest.runtime import Runtime
from ingest.settings import Settings

SECRET = "hunter2-secret"
WITHIN = 2.0


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _unused_port_base() -> int:
    """A base whose seven ports nothing listens on, outside the project's own range."""
    while True:
        base = random.randrange(30_000, 60_000, 10)
        if all(_free(base + offset) for offset in range(7)):
            return base


@pytest.fixture
def stopped(tmp_path, monkeypatch):
    """Settings of a stack none of whose parts runs, with passwords in its URLs."""
    base = _unused_port_base()
    env = {"INGEST_DATA_DIR": str(tmp_path / "data"), "INGEST_PORT_BASE": str(base),
           "INGEST_MONGO_URL": f"mongodb://ingest:{SECRET}@127.0.0.1:{base + 2}/?authSource=admin",
           "INGEST_REDIS_URL": f"redis://:{SECRET}@127.0.0.1:{base + 1}/0",
           "INGEST_BROKER_URL": f"amqp://ingest:{SECRET}@127.0.0.1:{base}/ingest"}
    monkeypatch.setattr("ingest.settings.PROJECT_ROOT", tmp_path)
    for name in [name for name in os.environ if name.startswith("INGEST_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def _raised(call) -> StackDownError:
    started = time.perf_counter()
    with pytest.raises(StackDownError) as raised:
        call()
    assert time.perf_counter() - started < WITHIN
    assert isinstance(raised.value, StackError)
    assert SECRET not in str(raised.value)
    assert "`ingest up" in str(raised.value)
    return raised.value


def _names_every_store(message: str, settings: Settings) -> None:
    base = settings.port_base
    assert f"the document store (mongodb://ingest:***@127.0.0.1:{base + 2}/?authSource=admin)" in message
    assert f"Redis (redis://:***@127.0.0.1:{base + 1}/0)" in message
    assert f"RabbitMQ (amqp://ingest:***@127.0.0.1:{base}/ingest)" in message and "do not answer" in message


def test_pull_from_the_sandbox_names_every_part_down_and_the_sandbox(stopped):
    error = _raised(lambda: ingest.pull("hackernews", base_url=stopped.sandbox_url + "/hn", list="top",
                                        settings=stopped))
    _names_every_store(str(error), stopped)
    assert f"and the sandbox ({stopped.sandbox_url}) do not answer" in str(error)
    assert "start the stack with `ingest up --sandbox`" in str(error)
    assert "base_url" not in str(error)


def test_a_sandbox_down_on_a_running_stack_is_named_not_the_base_url(stopped, monkeypatch):
    monkeypatch.setattr(Runtime, "check_answering", lambda runtime: None)
    monkeypatch.setattr(Runtime, "ensure_indexes", lambda runtime: None)
    error = _raised(lambda: ingest.pull("hackernews", base_url=stopped.sandbox_url + "/hn", list="top",
                                        settings=stopped))
    assert str(error) == (f"the sandbox ({stopped.sandbox_url}) does not answer: start the stack with "
                          "`ingest up --sandbox` (`ingest status` shows each part)")


@pytest.mark.parametrize("entry", ["jobs", "job", "frame", "job.frame", "job.status"])
def test_each_entry_point_says_the_stack_is_down(stopped, entry):
    calls = {
        "jobs": lambda: ingest.jobs(settings=stopped),
        "job": lambda: ingest.job("hackernews-0123456789ab", settings=stopped),
        "frame": lambda: ingest.frame("hackernews", settings=stopped),
        "job.frame": lambda: Job("hackernews-0123456789ab", stopped).frame(),
        "job.status": lambda: Job("hackernews-0123456789ab", stopped).status(),
    }
    _names_every_store(str(_raised(calls[entry])), stopped)


def test_a_stack_stopped_after_it_answered_is_named_too(stopped):
    """`ingest down` while a kernel runs: the runtime answered once, its next query fails."""
    made = Runtime.of(stopped, selection_timeout=connection.NOTEBOOK_SELECTION_TIMEOUT)
    made._answered.set()
    error = _raised(lambda: ingest.jobs(settings=stopped))
    assert error.parts == (("the document store", f"mongodb://ingest:***@127.0.0.1:{stopped.port_base + 2}"
                                                  "/?authSource=admin"),)
    assert not made._answered.is_set(), "the next call asks every part again"


def test_a_runtime_that_answered_is_not_asked_again(stopped, monkeypatch):
    made = Runtime.of(stopped, selection_timeout=connection.NOTEBOOK_SELECTION_TIMEOUT)
    asked = []
    monkeypatch.setattr(Runtime, "unanswered", lambda runtime: asked.append(1) or [])
    monkeypatch.setattr(Runtime, "ensure_indexes", lambda runtime: None)
    for _ in range(3):
        assert connection.runtime(stopped) is made
    assert asked == [1]


@pytest.mark.parametrize("argv", [["jobs"], ["show", "hackernews-0123456789ab"],
                                  ["pull", "hackernews", "--list", "top", "--no-wait"]])
def test_the_command_line_says_it_in_one_line(stopped, argv, capsys):
    started = time.perf_counter()
    assert main(argv) == 1
    assert time.perf_counter() - started < WITHIN
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    (line,) = captured.err.splitlines()
    assert line.startswith(f"ingest {argv[0]}: the document store (mongodb://ingest:***@")
    assert "start the stack with `ingest up`" in line and SECRET not in line


def test_a_message_of_several_lines_is_still_one_line(stopped, monkeypatch, capsys):
    def fails(settings, args):
        raise StackDownError("the document store does not answer\nstart the stack with `ingest up`")

    monkeypatch.setattr("ingest.api.cli_jobs._sources", fails)
    assert main(["sources"]) == 1
    assert capsys.readouterr().err == ("ingest sources: the document store does not answer start the stack with "
                                       "`ingest up`\n")
