"""The kinds of credential a pull can name, and how a stored value becomes one.

A credential is stored under a name, in `data/credentials.json` or `INGEST_CREDENTIAL_<NAME>`:

    "a-token"                                                  bearer: sent as it is
    {"kind": "reddit_script", "client_id", "client_secret",
     "username"?, "password"?}                                 Reddit's OAuth2 token endpoint
    {"kind": "bluesky_app_password", "identifier",
     "password", "service"?}                                   Bluesky's createSession
    {"kind": "oauth2_client_credentials", "token_url",
     "client_id", "client_secret", "scope"?}                   any OAuth2 server (RFC 6749 4.4)

Every kind but bearer is exchanged for a token on the workers (`ingest.auth.tokens`). A
credential's repr and every text made from it name the credential and its account, never a
secret.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Mapping

from ingest.errors import ConfigError


class CredentialKind(str, Enum):
    BEARER = "bearer"
    REDDIT_SCRIPT = "reddit_script"
    BLUESKY_APP_PASSWORD = "bluesky_app_password"
    OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials"


@dataclass(frozen=True)
class Field:
    """One field of a kind: whether it is secret (never shown, asked without echo) and required."""

    name: str
    secret: bool
    required: bool
    help: str


@dataclass(frozen=True, repr=False)
class Credential:
    """Base of every kind: `name` is what pulls call it; `account` the public identity it acts
    as (for error texts, counters and the User-Agent), never a secret."""

    name: str
    kind: ClassVar[CredentialKind]
    fields: ClassVar[tuple[Field, ...]]

    @property
    def account(self) -> str:
        return self.name

    @property
    def renewable(self) -> bool:
        """Whether the workers obtain (and renew) a token for it, rather than sending it as it is."""
        return self.kind is not CredentialKind.BEARER

    def stored_value(self) -> str | dict[str, str]:
        """What the credentials file holds for it."""
        value = {"kind": self.kind.value}
        value.update({f.name: getattr(self, f.name) for f in self.fields if getattr(self, f.name) is not None})
        return value

    def secrets(self) -> tuple[str, ...]:
        return tuple(v for f in self.fields if f.secret and (v := getattr(self, f.name)))

    def __repr__(self) -> str:
        return f"<{self.kind.value} credential {self.name!r} of {self.account!r}>"


@dataclass(frozen=True, repr=False)
class BearerToken(Credential):
    token: str
    kind: ClassVar[CredentialKind] = CredentialKind.BEARER
    fields: ClassVar[tuple[Field, ...]] = (Field("token", True, True, "the access token"),)

    def stored_value(self) -> str:
        return self.token


@dataclass(frozen=True, repr=False)
class RedditScript(Credential):
    client_id: str
    client_secret: str
    username: str | None = None
    password: str | None = None
    kind: ClassVar[CredentialKind] = CredentialKind.REDDIT_SCRIPT
    fields: ClassVar[tuple[Field, ...]] = (
        Field("client_id", False, True, "the app's client id (under its name at reddit.com/prefs/apps)"),
        Field("client_secret", True, True, "the app's secret"),
        Field("username", False, False, "the Reddit account of a script app (empty: app-only access)"),
        Field("password", True, False, "that account's password"),
    )

    @property
    def account(self) -> str:
        return self.username or self.client_id


@dataclass(frozen=True, repr=False)
class BlueskyAppPassword(Credential):
    identifier: str
    password: str
    service: str | None = None
    kind: ClassVar[CredentialKind] = CredentialKind.BLUESKY_APP_PASSWORD
    fields: ClassVar[tuple[Field, ...]] = (
        Field("identifier", False, True, "handle or e-mail of the account, e.g. name.bsky.social"),
        Field("password", True, True, "an app password (Settings > Privacy and security > App passwords)"),
        Field("service", False, False, "the account's server (empty: https://bsky.social)"),
    )

    @property
    def account(self) -> str:
        return self.identifier


@dataclass(frozen=True, repr=False)
class OAuth2ClientCredentials(Credential):
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None
    kind: ClassVar[CredentialKind] = CredentialKind.OAUTH2_CLIENT_CREDENTIALS
    fields: ClassVar[tuple[Field, ...]] = (
        Field("token_url", False, True, "the authorization server's token endpoint"),
        Field("client_id", False, True, "the client id"),
        Field("client_secret", True, True, "the client secret"),
        Field("scope", False, False, "space-separated scopes to ask for (empty: the server's default)"),
    )

    @property
    def account(self) -> str:
        return self.client_id


KINDS: dict[CredentialKind, type[Credential]] = {
    cls.kind: cls for cls in (BearerToken, RedditScript, BlueskyAppPassword, OAuth2ClientCredentials)
}


def kind_named(text: str) -> CredentialKind:
    """The kind called `text`; ConfigError listing the kinds (and the closest) otherwise."""
    try:
        return CredentialKind(text)
    except ValueError:
        known = [kind.value for kind in CredentialKind]
        close = difflib.get_close_matches(str(text), known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"no credential kind {text!r}.{hint} Kinds: {', '.join(known)}.") from None


def make_credential(name: str, kind: CredentialKind, values: Mapping[str, Any], where: str) -> Credential:
    """A credential of `kind` from its fields; ConfigError naming a missing, unknown or
    mistyped field (never its value) and where to fix it."""
    cls = KINDS[kind]
    declared = {f.name: f for f in cls.fields}
    unknown = sorted(set(values) - set(declared) - {"kind"})
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(declared), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"credential {name!r} ({kind.value}) in {where} has an unknown field "
                          f"{unknown[0]!r}{hint}; its fields are {', '.join(declared)}")
    chosen: dict[str, str | None] = {}
    for field in cls.fields:
        value = values.get(field.name)
        if value in (None, ""):
            if field.required:
                raise ConfigError(f"credential {name!r} ({kind.value}) in {where} lacks {field.name!r}: "
                                  f"{field.help}")
            value = None
        elif not isinstance(value, str):
            raise ConfigError(f"credential {name!r} in {where}: {field.name!r} must be a string")
        chosen[field.name] = value
    if kind is CredentialKind.REDDIT_SCRIPT and bool(chosen["username"]) != bool(chosen["password"]):
        raise ConfigError(f"credential {name!r} (reddit_script) in {where} has a username without a password "
                          "or a password without a username: give both (script app) or neither (app-only)")
    return cls(name=name, **chosen)


def parse_credential(name: str, stored: Any, where: str) -> Credential:
    """The credential a stored value describes: a string is a bearer token; an object names its
    `kind`. In the environment the object arrives as JSON text."""
    if isinstance(stored, str) and stored.lstrip().startswith("{"):
        try:
            stored = json.loads(stored)
        except ValueError:
            raise ConfigError(f"credential {name!r} in {where} starts with '{{' but is not valid JSON; "
                              "give a plain token or a JSON object with a \"kind\"") from None
    if isinstance(stored, str):
        if not stored.strip():
            raise ConfigError(f"credential {name!r} in {where} is empty")
        return BearerToken(name=name, token=stored)
    if not isinstance(stored, dict):
        raise ConfigError(f"credential {name!r} in {where} must be a token string or an object with a \"kind\"")
    kind = stored.get("kind")
    if not isinstance(kind, str):
        raise ConfigError(f"credential {name!r} in {where} is an object without \"kind\"; kinds: "
                          + ", ".join(k.value for k in CredentialKind if k is not CredentialKind.BEARER))
    return make_credential(name, kind_named(kind), stored, where)
