"""An access token as the workers hold it, and when it is due for renewal."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

RENEW_SHARE = 0.1         # renew once less than this share of a token's lifetime is left,
RENEW_AHEAD_FLOOR = 2.0   # but at least this many seconds ahead (a quarter of a shorter life),
RENEW_AHEAD_MAX = 60.0    # and never earlier than this many seconds before it expires


@dataclass(frozen=True, repr=False)
class Token:
    """`expires_at` and `refresh_expires_at` are wall-clock epoch seconds (None: not said)."""

    access: str
    obtained_at: float
    expires_at: float | None = None
    refresh: str | None = None
    refresh_expires_at: float | None = None

    def __repr__(self) -> str:
        return f"<Token expiring at {self.expires_at}>"

    def due(self, now: float) -> bool:
        """Whether to renew it now: expired, or close enough to its end that a call made with it
        might arrive after it: the last tenth of its life, at least 2 s (a quarter of a life
        shorter than 8 s), at most 60 s."""
        if self.expires_at is None:
            return False
        lifetime = max(0.0, self.expires_at - self.obtained_at)
        ahead = min(RENEW_AHEAD_MAX, max(RENEW_SHARE * lifetime, min(RENEW_AHEAD_FLOOR, lifetime / 4)))
        return now >= self.expires_at - ahead

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def can_refresh(self, now: float) -> bool:
        return bool(self.refresh) and (self.refresh_expires_at is None or now < self.refresh_expires_at)

    def lives_until(self) -> float | None:
        """When nothing in it is of use any more: the later of its expiries (None: not said)."""
        ends = [self.expires_at] + ([self.refresh_expires_at] if self.refresh else [])
        return None if None in ends else max(ends)

    def to_json(self) -> str:
        return json.dumps({"access": self.access, "obtained_at": self.obtained_at, "expires_at": self.expires_at,
                           "refresh": self.refresh, "refresh_expires_at": self.refresh_expires_at})

    @classmethod
    def from_json(cls, text: str | bytes) -> Token | None:
        try:
            data = json.loads(text)
            return cls(access=str(data["access"]), obtained_at=float(data["obtained_at"]),
                       expires_at=_float(data.get("expires_at")), refresh=data.get("refresh") or None,
                       refresh_expires_at=_float(data.get("refresh_expires_at")))
        except (ValueError, KeyError, TypeError):
            return None


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, read without checking its signature (only its server can, and
    the server checks it on every call anyway); None when the token is not a JWT with one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    return _float(payload.get("exp")) if isinstance(payload, dict) else None


def _float(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
