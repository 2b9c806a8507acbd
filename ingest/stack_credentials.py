"""The local stack's own passwords: made once per data directory by `ingest up`.

`<data dir>/stack-credentials.json` (mode 0600) holds a random password for each server the
stack starts: Redis, RabbitMQ (its own user and vhost), the document store and Flower. It is
the one place they are kept in the clear; the servers are given hashes or environment
variables (see `ingest.stack.server_files` and `ingest.stack.launch`), and every client (the
notebook side, the workers, the CLI, tests, benchmarks) builds its URLs from `Settings`, which
read this file. Servers named by `INGEST_*_URL` are not the stack's and keep their own URLs.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ingest.errors import ConfigError
from ingest.private_files import check_private, write_private

STACK_CREDENTIALS_FILE = "stack-credentials.json"
STACK_USER = "ingest"
AMQP_VHOST = "ingest"
MONGO_AUTH_DATABASE = "admin"
PASSWORD_BYTES = 24


@dataclass(frozen=True)
class StackCredentials:
    redis_password: str
    amqp_user: str
    amqp_password: str
    amqp_vhost: str
    mongo_user: str
    mongo_password: str
    flower_user: str
    flower_password: str

    @classmethod
    def generate(cls, token: Callable[[int], str] = secrets.token_urlsafe) -> StackCredentials:
        return cls(
            redis_password=token(PASSWORD_BYTES),
            amqp_user=STACK_USER, amqp_password=token(PASSWORD_BYTES), amqp_vhost=AMQP_VHOST,
            mongo_user=STACK_USER, mongo_password=token(PASSWORD_BYTES),
            flower_user=STACK_USER, flower_password=token(PASSWORD_BYTES),
        )

    def passwords(self) -> tuple[str, ...]:
        return (self.redis_password, self.amqp_password, self.mongo_password, self.flower_password)


def stack_credentials_path(data_dir: Path) -> Path:
    return data_dir / STACK_CREDENTIALS_FILE


def load_stack_credentials(data_dir: Path) -> StackCredentials | None:
    """The data directory's stack credentials, or None before `ingest up` has made them."""
    path = stack_credentials_path(data_dir)
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return _read(path, status.st_mtime_ns, status.st_ino, status.st_mode)


@lru_cache(maxsize=16)
def _read(path: Path, _mtime_ns: int, _inode: int, _mode: int) -> StackCredentials:
    check_private(path, "stack credentials file")
    names = {field.name for field in fields(StackCredentials)}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        content = None
    if not isinstance(content, dict) or set(content) != names or not all(
            isinstance(value, str) and value for value in content.values()):
        raise ConfigError(
            f"stack credentials file {path} is damaged (it must hold {', '.join(sorted(names))}); "
            f"restore it from a backup: the servers of this data directory were secured with it"
        )
    return StackCredentials(**content)


def create_stack_credentials(data_dir: Path) -> StackCredentials:
    """Make and save new credentials; FileExistsError if the data directory has some."""
    credentials = StackCredentials.generate()
    write_private(stack_credentials_path(data_dir), json.dumps(asdict(credentials), indent=1) + "\n",
                  exclusive=True)
    return credentials
