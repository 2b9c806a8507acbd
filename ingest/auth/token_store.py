"""Where the fleet's tokens live: Redis, one key per credential's account and token endpoint,
which expires when the token it holds (and its refresh token) can no longer be used.

    ingest:auth:<digest>          the token, as JSON
    ingest:auth:<digest>:lock     held by the one worker obtaining a new token
    ingest:auth:<digest>:refused  why the token endpoint refused the credential, for a minute,
                                  so a wrong password is not tried once per task

The digest is of the kind, the token endpoint and the account: never of a secret.
"""

from __future__ import annotations

import hashlib
import secrets as random_values

from ingest.auth.tokens import Token
from ingest.storage.redis_scripts import register_scripts

PREFIX = "ingest:auth:"
UNKNOWN_LIFETIME = 3600.0  # a token whose server did not say when it expires is kept this long


def token_key(kind: str, endpoint: str, account: str) -> str:
    digest = hashlib.sha256(f"{kind}\n{endpoint}\n{account}".encode("utf-8")).hexdigest()[:24]
    return PREFIX + digest


class RedisTokenStore:
    def __init__(self, client) -> None:
        self.client = client
        self._scripts = register_scripts(client, "ingest.auth", ["unlock"])

    def get(self, key: str) -> Token | None:
        text = self.client.get(key)
        return Token.from_json(text) if text else None

    def put(self, key: str, token: Token, now: float) -> None:
        until = token.lives_until()
        seconds = (until - now) if until is not None else UNKNOWN_LIFETIME
        if seconds > 0:
            self.client.set(key, token.to_json(), px=max(1, int(seconds * 1000)))

    def lock(self, key: str, seconds: float) -> str | None:
        """Take the key's lock for at most `seconds`; the holder's value, or None when taken."""
        holder = random_values.token_hex(8)
        taken = self.client.set(key + ":lock", holder, nx=True, px=max(1, int(seconds * 1000)))
        return holder if taken else None

    def unlock(self, key: str, holder: str) -> None:
        self._scripts["unlock"](keys=[key + ":lock"], args=[holder])

    def refusal(self, key: str) -> str | None:
        text = self.client.get(key + ":refused")
        return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text

    def remember_refusal(self, key: str, message: str, seconds: float) -> None:
        self.client.set(key + ":refused", message, px=max(1, int(seconds * 1000)))
