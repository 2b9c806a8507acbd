"""How each kind of credential is exchanged for a token: the POST to make and how to read
its answer. Pure, like the connectors: the token source (`ingest.auth.token_source`) makes the
calls, shares the tokens and decides when to renew.

    kind                       first call                               renewal
    reddit_script              POST {www.reddit.com}/api/v1/access_token  the first call again
                               (basic auth; password or client_credentials grant)
    bluesky_app_password       POST {service}/xrpc/com.atproto.server.createSession
                                                                        refreshSession with the
                                                                        refresh token
    oauth2_client_credentials  POST {token_url} (basic auth, client_credentials grant)
                                                                        the first call again

An answer that refuses the credential raises CredentialRefusedError naming the credential and
the fix; 429 RateLimitedError; 5xx and other passing failures TransientError.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from ingest.auth.kinds import (
    BlueskyAppPassword, Credential, CredentialKind, OAuth2ClientCredentials, RedditScript,
)
from ingest.auth.tokens import Token, jwt_expiry
from ingest.errors import CredentialRefusedError, RateLimitedError, TransientError

REDDIT_API_HOST = "oauth.reddit.com"
REDDIT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
BLUESKY_PUBLIC_HOSTS = ("public.api.bsky.app", "api.bsky.app")
BLUESKY_SERVICE = "https://bsky.social"


@dataclass(frozen=True, repr=False)
class TokenCall:
    """One POST to a token endpoint: a form or a JSON body. Holds secrets: never logged."""

    url: str
    refreshing: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"<TokenCall {self.url}>"


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8", errors="replace"))
        except ValueError:
            return None


class RefreshRefused(Exception):
    """The refresh token was refused (expired or revoked): make a new session instead."""


def token_url(credential: Credential, base_url: str) -> str:
    """Where `credential` is exchanged, for a pull of the API at `base_url`: the real service's
    token host for the real API, the same server for any other address (a sandbox, a proxy)."""
    if isinstance(credential, RedditScript):
        if urlsplit(base_url).hostname == REDDIT_API_HOST:
            return REDDIT_TOKEN_URL
        return base_url.rstrip("/") + "/api/v1/access_token"
    if isinstance(credential, BlueskyAppPassword):
        return bluesky_service(credential, base_url) + "/xrpc/com.atproto.server.createSession"
    if isinstance(credential, OAuth2ClientCredentials):
        return credential.token_url
    raise TypeError(f"{credential!r} is sent as it is, never exchanged")


def bluesky_service(credential: BlueskyAppPassword, base_url: str) -> str:
    if credential.service:
        return credential.service.rstrip("/")
    if urlsplit(base_url).hostname in BLUESKY_PUBLIC_HOSTS:
        return BLUESKY_SERVICE
    return base_url.rstrip("/")


def first_call(credential: Credential, base_url: str) -> TokenCall:
    url = token_url(credential, base_url)
    if isinstance(credential, RedditScript):
        form = ({"grant_type": "password", "username": credential.username, "password": credential.password}
                if credential.username else {"grant_type": "client_credentials"})
        return TokenCall(url, headers=_basic(credential.client_id, credential.client_secret), form=form)
    if isinstance(credential, BlueskyAppPassword):
        return TokenCall(url, json={"identifier": credential.identifier, "password": credential.password})
    if isinstance(credential, OAuth2ClientCredentials):
        form = {"grant_type": "client_credentials"}
        if credential.scope:
            form["scope"] = credential.scope
        return TokenCall(url, headers=_basic(credential.client_id, credential.client_secret), form=form)
    raise TypeError(f"{credential!r} is sent as it is, never exchanged")


def refresh_call(credential: Credential, token: Token, base_url: str) -> TokenCall | None:
    """The call that renews `token` without the credential's secret, or None for kinds that
    simply ask again."""
    if isinstance(credential, BlueskyAppPassword) and token.refresh:
        url = bluesky_service(credential, base_url) + "/xrpc/com.atproto.server.refreshSession"
        return TokenCall(url, refreshing=True, headers={"Authorization": f"Bearer {token.refresh}"})
    return None


def read_answer(credential: Credential, call: TokenCall, answer: TokenAnswer, now: float) -> Token:
    """The token an answer grants; raises what it means otherwise (RefreshRefused for a refused
    refresh, so the caller can start a new session)."""
    reader = _READERS[credential.kind]
    return reader(credential, call, answer, now)


def _read_reddit(credential: Credential, call: TokenCall, answer: TokenAnswer, now: float) -> Token:
    body = answer.json()
    _passing_failures(credential, call, answer, now)
    token = _oauth2_token(answer, body, now)
    if token is not None:
        return token
    error = body.get("error") if isinstance(body, dict) else None
    if error == "invalid_grant":
        problem = "the username or password is wrong, or the app is not of type 'script'"
    elif answer.status == 401 or error == 401:
        problem = "the client id or secret is wrong"
    elif error == "unauthorized_client":
        problem = "this app may not use this grant (a script app is needed for a username and password)"
    else:
        problem = f"HTTP {answer.status}" + (f", error {error!r}" if error else "")
    raise _refused(credential, call, problem)


def _read_bluesky(credential: Credential, call: TokenCall, answer: TokenAnswer, now: float) -> Token:
    body = answer.json()
    error = body.get("error") if isinstance(body, dict) else None
    if error == "RateLimitExceeded":
        answer = TokenAnswer(429, answer.headers, answer.body)
    _passing_failures(credential, call, answer, now)
    if answer.status == 200 and isinstance(body, dict) and isinstance(body.get("accessJwt"), str):
        refresh = body.get("refreshJwt") if isinstance(body.get("refreshJwt"), str) else None
        return Token(body["accessJwt"], now, expires_at=jwt_expiry(body["accessJwt"]), refresh=refresh,
                     refresh_expires_at=jwt_expiry(refresh) if refresh else None)
    if call.refreshing and error in ("ExpiredToken", "InvalidToken", "AuthenticationRequired"):
        raise RefreshRefused(error)
    if error == "AuthenticationRequired" or answer.status == 401:
        problem = "the identifier or app password is wrong"
    elif error == "AuthFactorTokenRequired":
        problem = "the account asks for a second factor: use an app password, which does not"
    elif error == "AccountTakedown":
        problem = "the account was taken down"
    else:
        problem = f"HTTP {answer.status}" + (f", error {error!r}" if error else "")
    raise _refused(credential, call, problem)


def _read_oauth2(credential: Credential, call: TokenCall, answer: TokenAnswer, now: float) -> Token:
    body = answer.json()
    _passing_failures(credential, call, answer, now)
    token = _oauth2_token(answer, body, now)
    if token is not None:
        return token
    error = body.get("error") if isinstance(body, dict) else None
    description = body.get("error_description") if isinstance(body, dict) else None
    problem = f"HTTP {answer.status}" + (f", {error}" if isinstance(error, str) else "")
    if isinstance(description, str):
        problem += f": {description[:200]}"
    raise _refused(credential, call, problem)


_READERS: dict[CredentialKind, Callable[[Credential, TokenCall, TokenAnswer, float], Token]] = {
    CredentialKind.REDDIT_SCRIPT: _read_reddit,
    CredentialKind.BLUESKY_APP_PASSWORD: _read_bluesky,
    CredentialKind.OAUTH2_CLIENT_CREDENTIALS: _read_oauth2,
}


def _oauth2_token(answer: TokenAnswer, body: Any, now: float) -> Token | None:
    """The token of an OAuth2 access token response (RFC 6749 5.1), or None when it is not one."""
    if answer.status == 200 and isinstance(body, dict) and isinstance(body.get("access_token"), str):
        return Token(body["access_token"], now, expires_at=_expiry(body.get("expires_in"), now))
    return None


def _passing_failures(credential: Credential, call: TokenCall, answer: TokenAnswer, now: float) -> None:
    where = f"the token endpoint {_safe(call.url)} (credential {credential.name!r})"
    if answer.status == 429:
        wait = _number(answer.header("Retry-After"))
        reset = _number(answer.header("RateLimit-Reset"))  # Bluesky: epoch seconds
        if wait is None and reset is not None:
            wait = max(0.0, reset - now)
        raise RateLimitedError(f"HTTP 429 from {where}: too many token requests", status=429, retry_after=wait)
    if answer.status >= 500 or answer.status in (408, 425):
        raise TransientError(f"HTTP {answer.status} from {where}: temporary failure", status=answer.status)


def _refused(credential: Credential, call: TokenCall, problem: str) -> CredentialRefusedError:
    return CredentialRefusedError(
        f"credential {credential.name!r} ({credential.kind.value}, account {credential.account!r}) was refused "
        f"by {_safe(call.url)}: {problem}. Fix it with `ingest credentials add {credential.name} --kind "
        f"{credential.kind.value}`, then `ingest credentials check {credential.name} --source <source>`",
        status=None)


def _basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
    return {"Authorization": f"Basic {pair}"}


def _expiry(expires_in: Any, now: float) -> float | None:
    seconds = _number(expires_in)
    return now + seconds if seconds is not None and seconds > 0 else None


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _safe(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
