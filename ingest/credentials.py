"""Named credentials: where they are kept, and the analyst's commands for them.

A pull names a credential (`credential="reddit-main"`); it is read where the call is made (on
the worker) from the environment variable `INGEST_CREDENTIAL_REDDIT_MAIN`, or else from
`data/credentials.json`, which must be readable by its owner alone (mode 0600). A value is a
token string or an object with a `kind` (see `ingest.auth.kinds`):

    {"reddit-main": {"kind": "reddit_script", "client_id": "...", "client_secret": "...",
                     "username": "...", "password": "..."},
     "github": "ghp_..."}

    add(name, kind, **fields)    store one (asks for missing secrets without echo)
    list()                       names, kinds and accounts, never a secret
    check(name, source)          obtain a token and make one authenticated call

Secrets never go into messages, results, records, logs or error texts.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from ingest.auth.kinds import KINDS, Credential, CredentialKind, kind_named, make_credential, parse_credential
from ingest.errors import ConfigError
from ingest.private_files import check_private, write_private
from ingest.settings import Settings, get_settings

CREDENTIALS_FILE = "credentials.json"
# The names (never the values) of the INGEST_CREDENTIAL_* variables the local workers were
# started with, so that a notebook can tell a credential they hold from one nobody has.
WORKER_VARIABLES_FILE = "worker-credential-variables.json"


def env_variable(name: str) -> str:
    return "INGEST_CREDENTIAL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def credentials_path(settings: Settings) -> Path:
    return settings.data_dir / CREDENTIALS_FILE


def _read_file(path: Path) -> dict[str, Any]:
    """The file's credentials by name, parsed once per version of the file (a worker reads them
    before every call): a copy the caller may change."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return {}
    check_private(path, "credentials file")
    return dict(_parsed(str(path), status.st_mtime_ns, status.st_size))


@lru_cache(maxsize=8)
def _parsed(path: str, modified_ns: int, size: int) -> dict[str, Any]:
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise ConfigError(f"credentials file {path} is not valid JSON (line {getattr(error, 'lineno', '?')}); "
                          "it holds one object: {\"name\": \"token\" or {\"kind\": ...}, ...}") from None
    if not isinstance(content, dict) or not all(isinstance(v, (str, dict)) for v in content.values()):
        raise ConfigError(f"credentials file {path} must hold one object of names to tokens or "
                          "{\"kind\": ...} objects")
    return content


def note_worker_variables(settings: Settings, env: Mapping[str, str]) -> None:
    """Remember which credential variables the local workers are about to be started with."""
    names = sorted(name for name, value in env.items() if name.startswith("INGEST_CREDENTIAL_") and value)
    write_private(settings.data_dir / WORKER_VARIABLES_FILE, json.dumps(names))


def _worker_variables(settings: Settings) -> set[str]:
    try:
        return set(json.loads((settings.data_dir / WORKER_VARIABLES_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def load(name: str, settings: Settings, env: Mapping[str, str] | None = None) -> Credential:
    """The credential called `name`: from its environment variable first, then the file.
    ConfigError naming both places when neither has it."""
    environment = os.environ if env is None else env
    variable = env_variable(name)
    if environment.get(variable):
        return parse_credential(name, environment[variable], variable)
    path = credentials_path(settings)
    stored = _read_file(path).get(name)
    if not stored:
        raise ConfigError(f"no credential named {name!r}: add it with `ingest credentials add {name} --kind KIND` "
                          f"(or set {variable} on the workers, or add it to {path}, mode 0600)")
    return parse_credential(name, stored, str(path))


def save(name: str, value: str | Credential, settings: Settings) -> Path:
    """Add or replace one credential in the credentials file, keeping it mode 0600."""
    _check_name(name)
    path = credentials_path(settings)
    content = _read_file(path)
    content[name] = value.stored_value() if isinstance(value, Credential) else value
    write_private(path, json.dumps(content, indent=1))
    return path


def add(name: str, kind: str | CredentialKind = CredentialKind.BEARER, *, settings: Settings | None = None,
        ask: Callable[[str], str] | None = None, **fields: str) -> Credential:
    """Store the credential `name` of `kind` (mode 0600) and answer it. Fields not given are
    asked for: secrets without echo (`getpass`), the others as plain input; an optional field
    left empty is left out. Tokens the workers obtained with a credential it replaces are used
    until they expire."""
    settings = settings or get_settings()
    chosen = kind_named(kind.value if isinstance(kind, CredentialKind) else str(kind))
    credential_class = KINDS[chosen]
    values = {key: value for key, value in fields.items() if value not in (None, "")}
    for field in credential_class.fields:
        if field.name not in fields:
            prompt = f"{field.name} ({field.help}{'' if field.required else '; optional'}): "
            answer = (ask or (getpass.getpass if field.secret else input))(prompt)
            if answer:
                values[field.name] = answer
    credential = make_credential(name, chosen, values, "the values given")
    save(name, credential, settings)
    return credential


def list_credentials(settings: Settings | None = None, env: Mapping[str, str] | None = None) -> list[dict]:
    """Every credential the file and the environment hold: name, kind, account, where. The
    environment's shadow the file's of the same name, as they do on a worker."""
    settings = settings or get_settings()
    environment = os.environ if env is None else env
    found: dict[str, dict] = {}
    path = credentials_path(settings)
    for name, stored in _read_file(path).items():
        found[name] = _row(name, stored, str(path))
    for variable, value in environment.items():
        if variable.startswith("INGEST_CREDENTIAL_") and value:
            name = variable.removeprefix("INGEST_CREDENTIAL_").lower().replace("_", "-")
            matches = [known for known in found if env_variable(known) == variable]
            name = matches[0] if matches else name
            found[name] = _row(name, value, variable)
    return [found[name] for name in sorted(found)]


def check(name: str, source: str, base_url: str | None = None, *, settings: Settings | None = None,
          **params: Any):
    """Obtain a token for `name` and make one cheap authenticated call to `source`; answers a
    `CredentialCheck` that says what works and what to fix (never a secret)."""
    from ingest.auth.checking import check_credential

    return check_credential(name, source, base_url, settings or get_settings(), params)


def check_usable(source: str, kinds: tuple[str, ...], needed: bool, name: str | list | None,
                 settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Refuse, before anything is sent, a pull whose credential cannot work: none given where the
    API needs one, a name the local workers cannot find (neither here nor in the environment
    they were started with), or a kind the source cannot send. Workers of another machine (an
    external broker) may hold credentials this one cannot see: then only what is visible here
    is checked."""
    names = ([name] if name.strip() else []) if isinstance(name, str) else [n for n in (name or []) if n]
    if not names:
        if needed:
            raise ConfigError(f"{source} answers nothing without a credential: add one with `ingest credentials add "
                              f"NAME --kind {kinds[-1]}` and pull with credential='NAME' "
                              f"(kinds {source} takes: {', '.join(kinds)})")
        return
    if not kinds:
        raise ConfigError(f"{source} sends no credential; leave out credential=")
    local_workers = settings.external_broker_url is None
    for each in names:
        try:
            credential = load(each, settings, env)
        except ConfigError:
            if local_workers and env_variable(each) not in _worker_variables(settings):
                raise
            continue  # the workers hold it in their environment, where this process cannot look
        if local_workers and _here_only(each, settings, env):
            raise ConfigError(f"credential {each!r} is set here ({env_variable(each)}) but the local workers, which "
                              f"make the calls, were started without it: add it with `ingest credentials add {each} "
                              f"--kind {credential.kind.value}`, or restart the stack with the variable set "
                              "(`ingest down`, then `ingest up`)")
        if credential.kind.value not in kinds:
            raise ConfigError(f"credential {each!r} is a {credential.kind.value}, which {source} cannot use; "
                              f"{source} takes {', '.join(kinds)}: add one with `ingest credentials add NAME "
                              f"--kind {kinds[-1]}`")


def _here_only(name: str, settings: Settings, env: Mapping[str, str] | None) -> bool:
    """Whether only this process's environment holds the credential: the file does not, and the
    local workers were started (their variables noted) without its variable."""
    variable = env_variable(name)
    if not (os.environ if env is None else env).get(variable) or name in _read_file(credentials_path(settings)):
        return False
    noted = settings.data_dir / WORKER_VARIABLES_FILE
    return noted.exists() and variable not in _worker_variables(settings)


def _row(name: str, stored: Any, where: str) -> dict:
    try:
        credential = parse_credential(name, stored, where)
    except ConfigError as error:
        return {"name": name, "kind": "invalid", "account": "", "where": where, "problem": str(error)}
    return {"name": name, "kind": credential.kind.value, "account": "" if not credential.renewable
            else credential.account, "where": where, "problem": ""}


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ConfigError(f"credential name {name!r}: use letters, digits, '.', '_' and '-', e.g. 'reddit-main'")


list = list_credentials  # noqa: A001 - `ingest.credentials.list()`, beside add() and check()
