"""Tokens for the whole fleet: for one account, one grant per token lifetime in all, however
many workers and threads pull with it.

A worker asks for the token of a credential before each call. It uses the copy it holds until
that is due for renewal (near the end of its life), then the one in Redis; when Redis has none
fit to use, one worker takes the key's lock and obtains a new token (refreshing when the kind
can), while the others wait for it: a call made with a token that is due might arrive after it
has expired, and be refused. An
API that refuses a token (`renew`) gets one renewal: the token is renewed only if no other
worker renewed it meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ingest.auth import exchanges
from ingest.auth.exchanges import RefreshRefused, TokenAnswer, TokenCall
from ingest.auth.kinds import Credential
from ingest.auth.token_store import RedisTokenStore, token_key
from ingest.auth.tokens import Token
from ingest.errors import CredentialRefusedError, TransientError

log = logging.getLogger(__name__)

LOCK_SECONDS = 30.0     # a worker obtaining a token holds the lock at most this long
WAIT_SECONDS = 35.0     # how long another worker waits for it before giving up for now
POLL_SECONDS = 0.05
REFUSAL_SECONDS = 60.0  # a refused credential is not tried again for this long


class Post(Protocol):
    def __call__(self, call: TokenCall) -> TokenAnswer: ...


@dataclass
class TokenSource:
    store: RedisTokenStore
    post: Post
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _held: dict[str, Token] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def token(self, credential: Credential, base_url: str) -> Token:
        """A token fit to use now for `credential` against the API at `base_url`."""
        key = self._key(credential, base_url)
        held = self._held.get(key)
        if held is not None and not held.due(self.clock()):
            return held
        return self._obtain(credential, base_url, key, refused=None)

    def renew(self, credential: Credential, base_url: str, refused: Token) -> Token:
        """A token other than `refused`, which the API just refused."""
        key = self._key(credential, base_url)
        with self._lock:
            if self._held.get(key) is refused:
                del self._held[key]
        return self._obtain(credential, base_url, key, refused=refused.access)

    def _obtain(self, credential: Credential, base_url: str, key: str, refused: str | None) -> Token:
        deadline = self.clock() + WAIT_SECONDS
        while True:
            now = self.clock()
            shared = self._usable(self.store.get(key), refused)
            if shared is not None and not shared.due(now):
                return self._hold(key, shared)
            refusal = self.store.refusal(key)
            if refusal:
                raise CredentialRefusedError(refusal)
            holder = self.store.lock(key, LOCK_SECONDS)
            if holder is not None:
                try:
                    return self._hold(key, self._exchange(credential, base_url, key, refused))
                finally:
                    self.store.unlock(key, holder)
            if now >= deadline:
                raise TransientError(f"no token for credential {credential.name!r} within {WAIT_SECONDS:g} s: "
                                     "another worker is still obtaining it")
            self.sleep(POLL_SECONDS)

    def _exchange(self, credential: Credential, base_url: str, key: str, refused: str | None) -> Token:
        """Under the lock: the shared token if another worker renewed it meanwhile, else a
        refreshed one, else a new grant."""
        now = self.clock()
        current = self.store.get(key)
        fresh = self._usable(current, refused)
        if fresh is not None and not fresh.due(now):
            return fresh
        token = None
        if current is not None and current.can_refresh(now):
            call = exchanges.refresh_call(credential, current, base_url)
            if call is not None:
                try:
                    token = self._call(credential, call)
                except RefreshRefused as reason:
                    log.info("credential %r: refresh refused (%s); signing in again", credential.name, reason)
        if token is None:
            try:
                token = self._call(credential, exchanges.first_call(credential, base_url))
            except CredentialRefusedError as error:
                self.store.remember_refusal(key, str(error), REFUSAL_SECONDS)
                raise
            except RefreshRefused as reason:  # a first call is never a refresh
                raise CredentialRefusedError(f"credential {credential.name!r} was refused ({reason})") from None
        self.store.put(key, token, self.clock())
        return token

    def _call(self, credential: Credential, call: TokenCall) -> Token:
        answer = self.post(call)
        return exchanges.read_answer(credential, call, answer, self.clock())

    def _hold(self, key: str, token: Token) -> Token:
        with self._lock:
            self._held[key] = token
        return token

    @staticmethod
    def _usable(token: Token | None, refused: str | None) -> Token | None:
        return None if token is None or token.access == refused else token

    @staticmethod
    def _key(credential: Credential, base_url: str) -> str:
        return token_key(credential.kind.value, exchanges.token_url(credential, base_url), credential.account)
