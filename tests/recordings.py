"""Access to the real recorded API responses kept beside the repository in ../shared/fixtures.

The recordings are third-party material and are never copied into the project. A test that
needs them calls `recording(...)`, which skips the test with a reason when they are absent
(as in a fresh clone without the shared folder). `INGEST_FIXTURES_DIR` points elsewhere.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def fixtures_dir() -> Path:
    configured = os.environ.get("INGEST_FIXTURES_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "fixtures"


@dataclass(frozen=True)
class Exchange:
    """One recorded HTTP exchange: the request's method and URL, the answer's status, headers, body."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: str

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


def recording(relative_path: str) -> list[Exchange]:
    """The exchanges in one recording file, e.g. `recording("mastodon/public_timeline.json")`."""
    path = fixtures_dir() / relative_path
    if not path.is_file():
        pytest.skip(f"recording {relative_path} not found under {fixtures_dir()} "
                    "(set INGEST_FIXTURES_DIR to the shared fixtures folder)")
    with path.open(encoding="utf-8") as handle:
        return [Exchange(**entry) for entry in json.load(handle)]
