"""The tokens the sandbox has issued: whose they are, when they expire, and each API's answer
to a call made with one that has expired, was rotated away, or belongs to a refused account.

A bearer token the sandbox never issued is taken as a static token (a GitHub personal token,
a Mastodon app token) and keeps working.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.counters import credential_hash
from sandbox.limits import WindowCounters
from sandbox.responses import ApiResponse
from sandbox.scenario import Scenario

if TYPE_CHECKING:
    from sandbox.counters import Counters

MASTODON_INVALID = "The access token is invalid"
INVALID_TOKEN_ANSWERS: dict[str, tuple[int, dict, dict[str, str]]] = {
    "reddit": (401, {"message": "Unauthorized", "error": 401},
               {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}),
    "bsky": (400, {"error": "ExpiredToken", "message": "Token has expired"}, {}),
    "github": (401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}),
    "mastodon": (401, {"error": MASTODON_INVALID},
                 {"www-authenticate": f'Bearer realm="Doorkeeper", error="invalid_token", '
                                      f'error_description="{MASTODON_INVALID}"'}),
}
BSKY_WRONG_SCOPE = (400, {"error": "InvalidToken", "message": "Bad token scope"}, {})


@dataclass
class IssuedToken:
    issuer: str        # the API whose token endpoint issued it: reddit, bsky or oauth2
    account: str
    kind: str          # "access", or "refresh" for a Bluesky refresh token
    expires_at: float  # on the sandbox's monotonic clock
    revoked: bool = False


def opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)


def lifetime(scenario: Scenario, issuer: str, kind: str = "access") -> int:
    """Whole seconds a new token lives: the scenario's ttl divided by `time_scale`, at least 1."""
    rules = scenario.auth[issuer]
    ttl = rules.refresh_ttl if kind == "refresh" else rules.token_ttl
    return max(1, math.floor(scenario.window(ttl)))


def _answer(status: int, body: dict, headers: dict[str, str]) -> ApiResponse:
    return ApiResponse.json(body, status, dict(headers))


class TokenTable:
    """Every token issued since the last reset, and the createSession windows per account."""

    def __init__(self, clock, counters: "Counters") -> None:
        self.clock = clock
        self.counters = counters
        self.session_windows = WindowCounters()
        self._tokens: dict[str, IssuedToken] = {}

    def reset(self) -> None:
        self._tokens.clear()
        self.session_windows.clear()

    def record(self, token: str, issuer: str, account: str, lives: float, kind: str = "access") -> None:
        self._tokens[token] = IssuedToken(issuer, account, kind, self.clock.monotonic() + lives)

    def lookup(self, token: str | None) -> IssuedToken | None:
        return self._tokens.get(token) if token else None

    def revoke(self, token: str) -> None:
        self._tokens[token].revoked = True

    def usable(self, entry: IssuedToken, scenario: Scenario) -> bool:
        """Not expired, not rotated away, and its account not refused by the current scenario."""
        return (not entry.revoked and self.clock.monotonic() < entry.expires_at
                and entry.account not in scenario.auth[entry.issuer].refuse)

    def event(self, issuer: str, account: str, kind: str) -> None:
        self.counters.auth_event(issuer, account, kind)

    def credential(self, token: str | None) -> str | None:
        """What limits and usage count a call under: the account of an issued token (so a
        renewed token stays the same credential), else the token itself; always hashed."""
        if not token:
            return None
        entry = self._tokens.get(token)
        return credential_hash(entry.account if entry else token)

    def refusal(self, api: str, token: str | None, scenario: Scenario) -> ApiResponse | None:
        """The API's answer to a call with an issued token it must refuse; None to go on."""
        entry = self.lookup(token)
        if entry is None or api not in INVALID_TOKEN_ANSWERS:
            return None
        if entry.kind != "access":
            return _answer(*(BSKY_WRONG_SCOPE if api == "bsky" else INVALID_TOKEN_ANSWERS[api]))
        if self.usable(entry, scenario):
            return None
        self.event(entry.issuer, entry.account, "expired_refusals")
        return _answer(*INVALID_TOKEN_ANSWERS[api])
