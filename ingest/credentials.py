"""Named credentials, resolved where the request is made (on the worker).

A pull names a credential (`credential="reddit-main"`); the secret comes from the environment
variable `INGEST_CREDENTIAL_REDDIT_MAIN`, or else from `data/credentials.json`
(`{"reddit-main": "<token>"}`), which must be readable by its owner alone (mode 0600).
Secrets never go into messages, results, records, logs or error texts.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Mapping

from ingest.errors import ConfigError
from ingest.private_files import check_private, write_private
from ingest.settings import Settings

CREDENTIALS_FILE = "credentials.json"


def env_variable(name: str) -> str:
    return "INGEST_CREDENTIAL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def credentials_path(settings: Settings) -> Path:
    return settings.data_dir / CREDENTIALS_FILE


def _read_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    check_private(path, "credentials file")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ConfigError(f"credentials file {path} is not valid JSON (line {getattr(error, 'lineno', '?')}); "
                          "it holds one object: {\"name\": \"secret\", ...}") from None
    if not isinstance(content, dict) or not all(isinstance(v, str) for v in content.values()):
        raise ConfigError(f"credentials file {path} must hold one object of names to secret strings")
    return content


def resolve(name: str, settings: Settings, env: Mapping[str, str] | None = None) -> str:
    environment = os.environ if env is None else env
    variable = env_variable(name)
    if environment.get(variable):
        return environment[variable]
    path = credentials_path(settings)
    secret = _read_file(path).get(name)
    if not secret:
        raise ConfigError(f"no credential named {name!r}: set {variable} on the workers, "
                          f"or add it to {path} (mode 0600)")
    return secret


def save(name: str, secret: str, settings: Settings) -> Path:
    """Add or replace one credential in the credentials file, keeping it mode 0600."""
    path = credentials_path(settings)
    content = _read_file(path)
    content[name] = secret
    write_private(path, json.dumps(content, indent=1))
    return path
