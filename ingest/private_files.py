"""Files only their owner may read: the credentials files and the servers' secrets.

A file that holds a secret is written mode 0600 from the start (never created looser and
tightened after), and one found looser is refused with the `chmod` that fixes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ingest.errors import ConfigError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


def check_private(path: Path, what: str) -> None:
    """Refuse a file that anyone but its owner can read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{what} {path} has mode {mode:04o}, readable by others; "
                          f"make it yours alone with `chmod 600 {path}`")


def write_private(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write `text` to `path` with mode 0600. With `exclusive`, FileExistsError if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, PRIVATE_FILE_MODE)


def make_private_directory(path: Path) -> bool:
    """Create `path` (mode 0700) or take an existing one to 0700. True if its mode changed."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode == PRIVATE_DIRECTORY_MODE:
        return False
    os.chmod(path, PRIVATE_DIRECTORY_MODE)
    return True
