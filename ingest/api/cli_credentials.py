"""`ingest credentials add | list | check`: the credentials pulls name, kept in data/credentials.json."""

from __future__ import annotations

import argparse
import json
import sys

from ingest import credentials
from ingest.auth.kinds import KINDS, CredentialKind
from ingest.errors import ConfigError
from ingest.settings import Settings


def _add(settings: Settings, args: argparse.Namespace) -> int:
    given = {name: value for name, value in (args.field or [])}
    ask = None
    if not sys.stdin.isatty():
        given.update(_from_stdin(args.kind))
        ask = _nothing_more
    credential = credentials.add(args.name, args.kind, settings=settings, ask=ask, **given)
    shown = f" for {credential.account}" if credential.renewable else ""
    print(f"saved {credential.kind.value} credential {credential.name!r}{shown} in "
          f"{credentials.credentials_path(settings)} (mode 0600)")
    return 0


def _nothing_more(prompt: str) -> str:
    """With the fields read from stdin, nothing is asked: a missing one is reported instead."""
    return ""


def _from_stdin(kind: str) -> dict[str, str]:
    """Fields as one JSON object on stdin; for a bearer credential the token alone also does."""
    text = sys.stdin.read().strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        if kind == CredentialKind.BEARER.value and "\n" not in text:
            return {"token": text}
        raise ConfigError("stdin is not a JSON object; give the fields as JSON, e.g. "
                          '{"client_id": "...", "client_secret": "..."}') from None
    if isinstance(value, str) and kind == CredentialKind.BEARER.value:
        return {"token": value}
    if not isinstance(value, dict):
        raise ConfigError("stdin must hold one JSON object of the credential's fields")
    value.pop("kind", None)
    return {str(k): v for k, v in value.items()}


def _list(settings: Settings, args: argparse.Namespace) -> int:
    rows = credentials.list_credentials(settings)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no credentials; add one with `ingest credentials add NAME --kind KIND` "
              f"(kinds: {', '.join(k.value for k in CredentialKind)})")
        return 0
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        detail = row["problem"] or (f"account {row['account']}" if row["account"] else "")
        print(f"{row['name']:<{width}}  {row['kind']:<25}  {detail}  ({row['where']})")
    return 0


def _check(settings: Settings, args: argparse.Namespace) -> int:
    params = {}
    for name, value in args.param or []:
        params[name] = _value(value)
    result = credentials.check(args.name, args.source, args.base_url, settings=settings, **params)
    print(result)
    return 0 if result.ok else 1


def _value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=VALUE")
    return name.replace("-", "_"), value


def add_credential_commands(commands) -> None:
    group = commands.add_parser("credentials", help="the credentials pulls name: add, list, check")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    kinds = ", ".join(k.value for k in CredentialKind)
    fields = "; ".join(f"{kind.value}: {', '.join(f.name for f in cls.fields)}" for kind, cls in KINDS.items())
    add = actions.add_parser(
        "add", help="add or replace a credential (secrets are asked for without echo, or read as JSON from stdin)",
        description=f"Fields per kind: {fields}.")
    add.add_argument("name", help="the name pulls use, e.g. reddit-main")
    add.add_argument("--kind", default=CredentialKind.BEARER.value, help=f"one of {kinds} (default bearer)")
    add.add_argument("--field", type=_pair, action="append", metavar="NAME=VALUE",
                     help="a field that is not secret, e.g. --field username=me (secrets: prompt or stdin)")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="names, kinds and accounts; never a secret")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_list)

    check = actions.add_parser("check", help="obtain a token and make one authenticated call")
    check.add_argument("name")
    check.add_argument("--source", required=True, help="the source to call, e.g. reddit")
    check.add_argument("--base-url", dest="base_url", help="the API's address (default: the real service)")
    check.add_argument("--param", type=_pair, action="append", metavar="NAME=VALUE",
                       help="a pull parameter: check with the first call of that pull instead")
    check.set_defaults(handler=_check)
