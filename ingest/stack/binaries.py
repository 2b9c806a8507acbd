"""Finding the server programs the local stack runs."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ingest.errors import MissingBinaryError

VENV_BIN = Path(sys.executable).parent
EXTRA_DIRS = (VENV_BIN, Path("/usr/sbin"), Path("/usr/local/sbin"))
# Debian's /usr/sbin/rabbitmq-server and rabbitmqctl are a wrapper that switches to the rabbitmq
# user, which cannot write under data/ nor read our node's cookie; the scripts it wraps live here.
PREFERRED_DIRS = {name: (Path("/usr/lib/rabbitmq/bin"),) for name in ("rabbitmq-server", "rabbitmqctl")}

INSTALL_HINTS = {
    "rabbitmq-server": "run `make setup`, or install it: `sudo apt-get install rabbitmq-server`",
    "redis-server": "run `make setup`, or install it: `sudo apt-get install redis-server`",
    "rabbitmqctl": "it comes with RabbitMQ: run `make setup`, or `sudo apt-get install rabbitmq-server`",
    "epmd": "it comes with RabbitMQ's Erlang: `sudo apt-get install erlang-base`",
    "ferretdb": "run `make setup` (it builds FerretDB v1.24.2 with Go), or install MongoDB's `mongod`, "
    "or point INGEST_MONGO_URL at a running MongoDB",
    "mongod": "install MongoDB, or let `ingest up` use FerretDB (`make setup`)",
}


def find_binary(name: str, override: str | None = None, search_path: str | None = None) -> Path | None:
    """The program's path: the override if given, else PATH, else the venv and system sbin dirs."""
    if override:
        candidate = Path(override)
        return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None
    for directory in PREFERRED_DIRS.get(name, ()):
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    path = search_path if search_path is not None else os.environ.get("PATH", "")
    found = shutil.which(name, path=path)
    if found:
        return Path(found)
    for directory in EXTRA_DIRS:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_binary(name: str, override: str | None = None, override_var: str | None = None) -> Path:
    found = find_binary(name, override)
    if found:
        return found
    hint = INSTALL_HINTS.get(name, f"install {name}")
    if override:
        raise MissingBinaryError(
            f"{name} not found at {override} ({override_var}): fix that path, or unset {override_var}"
        )
    raise MissingBinaryError(f"{name} is not installed (looked on PATH and in {VENV_BIN}): {hint}")
