"""The error tree is kept: every raise of the product is in it, and its drawing matches the classes."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest

from ingest import errors
from ingest.pipeline.driver import _describe

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("ingest", "workers")
BARE_BUILTINS = {"Exception", "BaseException", "RuntimeError"}
DRAWN_NAME = re.compile(r"^(?P<indent>[\s│├└─]*)(?P<name>[A-Z]\w*Error)\b")


def _product_files() -> list[Path]:
    return sorted(path for package in PRODUCT for path in (ROOT / package).rglob("*.py"))


def _raised_name(node: ast.Raise) -> str | None:
    raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return raised.id if isinstance(raised, ast.Name) else None


def test_the_product_raises_no_bare_builtin_error():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: raise {_raised_name(node)}"
        for path in _product_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if isinstance(node, ast.Raise) and node.exc is not None and _raised_name(node) in BARE_BUILTINS
    ]
    assert not found, "raise a class of ingest/errors.py's tree instead:\n" + "\n".join(found)


def _drawing() -> list[tuple[int, str]]:
    """(depth, name) of each line of the tree drawn in errors.py's docstring."""
    drawn = []
    for line in (errors.__doc__ or "").splitlines():
        match = DRAWN_NAME.match(line)
        if match:
            drawn.append((len(match.group("indent")), match.group("name")))
    return drawn


def _classes() -> dict[str, type]:
    return {name: value for name, value in vars(errors).items()
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__}


def test_every_error_class_is_drawn_and_every_drawn_name_is_a_class():
    drawn = [name for _, name in _drawing()]
    assert len(drawn) == len(set(drawn)), "a class is drawn twice"
    assert sorted(_classes()) == sorted(drawn)


def test_the_drawing_shows_each_class_under_its_base():
    parents: list[tuple[int, str]] = []
    for column, name in _drawing():
        while parents and parents[-1][0] >= column:
            parents.pop()
        cls = _classes()[name]
        if parents:
            assert _classes()[parents[-1][1]] in cls.__bases__, f"{name} is drawn under {parents[-1][1]}"
        else:
            assert cls is errors.IngestError
        parents.append((column, name))


def test_every_product_error_is_an_ingest_error():
    assert all(issubclass(cls, errors.IngestError) for cls in _classes().values())


@pytest.mark.parametrize(("error", "kind"), [
    (errors.TimedOutError("slow"), "transient"),
    (errors.TransientError("503", status=503), "transient"),
    (errors.RateLimitedError("429", status=429, retry_after=3.0), "rate_limited"),
    (errors.PermanentError("404", status=404), "permanent"),
    (errors.MalformedResponseError("not JSON", status=200), "malformed"),
    (errors.FetchError("other"), "FetchError"),
])
def test_a_failure_is_recorded_by_its_branch_of_the_tree(error, kind):
    assert _describe(error, 2) == {"kind": kind, "status": error.status, "message": str(error), "attempt": 2}


def test_a_supervisord_that_does_not_start_is_a_stack_error(monkeypatch, tmp_path):
    from ingest.stack import supervisor

    failed = subprocess.CompletedProcess([], 2, stdout="", stderr="Error: bad section\n")
    monkeypatch.setattr(supervisor.subprocess, "run", lambda *args, **kwargs: failed)
    paths = supervisor.SupervisorPaths(*(tmp_path / name for name in ("c", "s", "p", "l", "logs")))
    with pytest.raises(errors.SupervisorStartError, match="supervisord did not start: Error: bad section"):
        supervisor.start(paths)


def test_a_queue_that_keeps_taking_messages_while_declared_anew_is_a_stack_error():
    from amqp.exceptions import PreconditionFailed
    from kombu import Queue

    from ingest.messaging import queues

    channel = mock.MagicMock()
    channel.basic_get.return_value = None
    channel.queue_delete.side_effect = PreconditionFailed("queue not empty")
    connection = mock.MagicMock()
    connection.channel.return_value = channel
    with pytest.raises(errors.QueueBusyError, match="kept taking messages; stop every client"):
        queues._redeclare(connection, Queue("ingest.mastodon", durable=True))


def test_a_write_error_that_may_pass_is_a_storage_error_the_task_retries():
    from ingest.storage.bulk_writes import refusal

    database = mock.MagicMock()
    database.name = "ingest"
    with pytest.raises(errors.TransientWriteError, match="ingest.mastodon: interrupted") as raised:
        refusal(database, "mastodon", {"code": 11602, "errmsg": "interrupted"})
    assert raised.value.code == 11602
    assert refusal(database, "mastodon", {"code": 10334, "errmsg": "object too large"}) == "object too large"


def test_the_fetch_task_retries_every_storage_error():
    from workers.tasks import fetch

    assert errors.StorageError in fetch.autoretry_for
