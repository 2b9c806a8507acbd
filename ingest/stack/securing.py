"""Securing a data directory: its credentials, its privacy, and the upgrade of one made before.

`ingest up` makes the data directory its owner's alone (mode 0700) and, once, the stack's
credentials. A data directory that already holds servers' data but no credentials file was
made when the stack had no passwords; its upgrade keeps everything:
- Redis and the document store keep their files; they start with their passwords
  (FerretDB makes its user on the first start that finds no `admin` database);
- RabbitMQ's messages are in the vhost `/`, reached as `guest`: once the broker runs with the
  stack's own user and vhost, every message of the workbench's queues is moved there (each
  published and confirmed before it is taken from `/`), then `guest` is deleted, and `/` too
  when it is left empty.
A marker file says an upgrade is under way, so an interrupted one is finished by the next `up`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from amqp.exceptions import AccessRefused
from kombu import Connection, Queue

from ingest.errors import ConfigError, StackError
from ingest.messaging.config import all_queues, task_queue
from ingest.messaging.queues import durable_queues, move_messages
from ingest.private_files import make_private_directory
from ingest.settings import Settings
from ingest.stack.binaries import require_binary
from ingest.stack.server_files import write_server_files
from ingest.stack_credentials import (
    MONGO_AUTH_DATABASE, StackCredentials, create_stack_credentials, stack_credentials_path,
)

UPGRADE_MARKER = "stack-upgrade-pending"
OLD_VHOST = "/"
MOVE_ROUNDS = 5
SERVER_DATA = ("rabbitmq/mnesia", "redis", "ferretdb", "mongo")


@dataclass(frozen=True)
class Secured:
    credentials: StackCredentials
    upgrade_pending: bool
    made_private: bool


def _holds_data(directory: Path) -> bool:
    return directory.is_dir() and any(directory.iterdir())


def secure_data_dir(settings: Settings, *, redis: bool, rabbitmq: bool, docstore: bool) -> Secured:
    """Before any server starts: the data directory private, the credentials made if missing
    (marking an upgrade when servers' data from before is there), the servers' files written."""
    made_private = make_private_directory(settings.data_dir)
    marker = settings.data_dir / UPGRADE_MARKER
    credentials = settings.stack_credentials
    if credentials is None:
        admin = settings.data_dir / "ferretdb" / f"{MONGO_AUTH_DATABASE}.sqlite"
        if docstore and admin.exists():
            raise ConfigError(
                f"the document store in {admin.parent} was secured with credentials that are gone: "
                f"{stack_credentials_path(settings.data_dir)} is missing. Restore that file from a "
                f"backup; or, giving up that store's data, move {admin.parent} aside and run `ingest up` again"
            )
        if any(_holds_data(settings.data_dir / name) for name in SERVER_DATA):
            marker.touch()
        credentials = create_stack_credentials(settings.data_dir)
    write_server_files(settings, credentials, redis=redis, rabbitmq=rabbitmq)
    for name in ("logs", "supervisor"):
        make_private_directory(settings.data_dir / name)
    return Secured(credentials, marker.exists(), made_private)


def finish_upgrade(settings: Settings, rabbitmq_env: dict[str, str] | None,
                   report: Callable[[str], None]) -> None:
    """Once every part answers: move RabbitMQ's messages out of `/`, delete `guest` (and `/`
    when empty), then drop the marker. Does nothing for a directory not being upgraded."""
    marker = settings.data_dir / UPGRADE_MARKER
    if not marker.exists():
        return
    if rabbitmq_env is not None:
        _upgrade_broker(settings, rabbitmq_env, report)
    marker.unlink()
    report("  the data directory from before is secured: every part now asks for the stack's credentials")


@dataclass(frozen=True)
class _Rabbitmqctl:
    """rabbitmqctl, pointed at the local node by the environment the node runs with."""

    program: Path
    env: dict[str, str]

    def __call__(self, *args: str) -> str:
        listing = ("--no-table-headers",) if args[0].startswith("list_") else ()
        completed = subprocess.run([str(self.program), *args, "--quiet", *listing], env=self.env,
                                   capture_output=True, text=True, timeout=60)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            raise StackError(f"rabbitmqctl {' '.join(args)} failed: {detail[-1] if detail else completed.returncode}")
        return completed.stdout


def _queued(rabbitmqctl: _Rabbitmqctl) -> dict[str, int] | None:
    """Each queue of the vhost `/` and its ready messages; None when `/` is gone."""
    if OLD_VHOST not in rabbitmqctl("list_vhosts").split():
        return None
    queued = {}
    for line in rabbitmqctl("list_queues", "--vhost", OLD_VHOST, "name", "messages").splitlines():
        name, _, count = line.rpartition("\t")
        if name:
            queued[name] = int(count)
    return queued


def _moving_order(name: str) -> int:
    """Delay queues first: one expiring in `/` is dead-lettered into `/`'s task queue."""
    return 0 if ".delay." in name else 1


def _move_queued(settings: Settings, moving: dict[str, Queue], report: Callable[[str], None]) -> None:
    old_url = f"amqp://guest:guest@127.0.0.1:{settings.port('amqp')}//"
    with Connection(old_url, connect_timeout=5) as old, Connection(settings.broker_url) as new:
        try:
            old.ensure_connection(max_retries=3)
        except AccessRefused:
            raise StackError("rabbitmq: the vhost / still holds messages, but `guest` cannot reach them any more; "
                             "grant the user `ingest` access to / with rabbitmqctl set_permissions and move them "
                             "by hand") from None
        for name in sorted(moving, key=_moving_order):
            moving[name](new.default_channel).declare()
            moved = move_messages(old, name, name, into=new)
            report(f"  rabbitmq: {moved} queued messages of {name} moved to the stack's own vhost")


def _upgrade_broker(settings: Settings, env: dict[str, str], report: Callable[[str], None]) -> None:
    program = require_binary("rabbitmqctl", settings.binaries.get("rabbitmqctl"), "INGEST_RABBITMQCTL_BIN")
    rabbitmqctl = _Rabbitmqctl(program, env)
    known = durable_queues([task_queue(name) for name in all_queues()])
    for _ in range(MOVE_ROUNDS):
        queued = _queued(rabbitmqctl) or {}
        moving = {name: known[name] for name, count in queued.items() if count and name in known}
        if not moving:
            break
        _move_queued(settings, moving, report)
    else:
        raise StackError("rabbitmq: messages kept arriving in the old vhost /; stop every client of the stack, "
                         "then run `ingest up` again")
    if "guest" in rabbitmqctl("list_users").split():
        rabbitmqctl("delete_user", "guest")
        report("  rabbitmq: user `guest` deleted")
    queued = _queued(rabbitmqctl)
    if queued is None:
        return
    stranded = {name: count for name, count in queued.items() if count}
    if stranded:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(stranded.items()))
        report(f"  rabbitmq: vhost / kept: it holds messages of queues the workbench does not declare: {listed}")
    else:
        rabbitmqctl("delete_vhost", OLD_VHOST)
        report("  rabbitmq: the old vhost / deleted")
