"""The files the stack's servers read at start, written to `data/config/` by every `ingest up`
before it starts them, apart from the servers' own data (which may be lost and rebuilt).

None holds a password in the clear: Redis gets an ACL file with the SHA-256 of its password,
RabbitMQ a definitions file (imported at every boot) with a salted hash of its user's password,
its own vhost and that user's permissions on it. The document store and Flower take theirs from
their environment (`ingest.stack.launch`). Each file is mode 0600 in a directory of mode 0700.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.private_files import make_private_directory, write_private
from ingest.settings import Settings
from ingest.stack_credentials import StackCredentials

RABBITMQ_SALT_BYTES = 4


@dataclass(frozen=True)
class ServerFiles:
    directory: Path
    redis_config: Path
    redis_acl: Path
    rabbitmq_config: Path
    rabbitmq_definitions: Path
    rabbitmq_plugins: Path

    @classmethod
    def of(cls, settings: Settings) -> ServerFiles:
        directory = settings.data_dir / "config"
        return cls(
            directory=directory,
            redis_config=directory / "redis.conf",
            redis_acl=directory / "redis-users.acl",
            # RabbitMQ is given this path without its `.conf` suffix.
            rabbitmq_config=directory / "rabbitmq.conf",
            rabbitmq_definitions=directory / "rabbitmq-definitions.json",
            rabbitmq_plugins=directory / "rabbitmq-enabled-plugins",
        )


def rabbitmq_password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64 of salt + SHA-256(salt + password)."""
    salt = os.urandom(RABBITMQ_SALT_BYTES) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


def redis_config(settings: Settings, files: ServerFiles) -> str:
    return "\n".join([
        "# Written by `ingest up`; edits are overwritten.",
        "bind 127.0.0.1",
        f"port {settings.port('redis')}",
        f'dir "{settings.data_dir / "redis"}"',
        "appendonly yes",
        'save ""',
        "daemonize no",
        f'aclfile "{files.redis_acl}"',
    ]) + "\n"


def redis_acl(credentials: StackCredentials) -> str:
    digest = hashlib.sha256(credentials.redis_password.encode("utf-8")).hexdigest()
    return f"user default on #{digest} ~* &* +@all\n"


def rabbitmq_config(settings: Settings, files: ServerFiles) -> str:
    return "\n".join([
        f"listeners.tcp.default = 127.0.0.1:{settings.port('amqp')}",
        "log.console = true",
        "log.console.level = warning",
        "log.file = false",
        f"load_definitions = {files.rabbitmq_definitions}",
    ]) + "\n"


def rabbitmq_definitions(credentials: StackCredentials) -> str:
    user, vhost = credentials.amqp_user, credentials.amqp_vhost
    return json.dumps({
        "users": [{"name": user, "password_hash": rabbitmq_password_hash(credentials.amqp_password),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}],
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}],
    }, indent=1) + "\n"


def write_server_files(settings: Settings, credentials: StackCredentials, *, redis: bool, rabbitmq: bool) -> None:
    files = ServerFiles.of(settings)
    make_private_directory(files.directory)
    if redis:
        write_private(files.redis_acl, redis_acl(credentials))
        write_private(files.redis_config, redis_config(settings, files))
    if rabbitmq:
        write_private(files.rabbitmq_definitions, rabbitmq_definitions(credentials))
        write_private(files.rabbitmq_config, rabbitmq_config(settings, files))
        write_private(files.rabbitmq_plugins, "[].\n")
