"""Bluesky sessions: `com.atproto.server.createSession` with an identifier and app password,
and `refreshSession`, which rotates the refresh token. Tokens are JWT-shaped so a client can
read `exp`; the signature is random bytes and nothing verifies it."""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
from typing import TYPE_CHECKING

from starlette.requests import Request

from sandbox.apis.bluesky import rate_headers
from sandbox.auth import lifetime
from sandbox.det import base32_chars, rng, text_key
from sandbox.limits import WindowState
from sandbox.pipeline import base_url_of, bearer_token
from sandbox.responses import ApiResponse

if TYPE_CHECKING:
    from sandbox.state import SandboxState

CREATE_SESSION_LIMITS = ((30, 300.0), (300, 86_400.0))  # per account: (calls, window seconds)
SERVICE_DID = "did:web:bsky.social"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
               "https://w3id.org/security/suites/secp256k1-2019/v1"]


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse.json({"error": code, "message": message}, status, headers)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwt_shaped(header: dict, payload: dict) -> str:
    def part(value: dict) -> str:
        return _b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    return f"{part(header)}.{part(payload)}.{_b64url(secrets.token_bytes(64))}"


def identity(state: "SandboxState", identifier: str) -> tuple[str, str, str]:
    """The did, handle and email of an account: an actor of the data set when the identifier
    names one, else made from the identifier (a handle, or an email's local part)."""
    data = state.datasets["bsky"]
    actor = None if "@" in identifier.lstrip("@") else data.actor_index(identifier)
    if actor is not None:
        did, handle = data.did(actor), data.handle(actor)
    else:
        name = identifier.lower()
        local = re.sub(r"[^a-z0-9-]", "", name.split("@")[0]) or "user"
        handle = name if "." in name and "@" not in name else f"{local}.bsky.social"
        did = "did:plc:" + base32_chars(text_key(name), 24)
    email = identifier if "@" in identifier else f"{handle.split('.')[0]}@example.com"
    return did, handle, email


def did_doc(did: str, handle: str, service: str) -> dict:
    chooser = rng(text_key(did))
    key = "zQ3sh" + "".join(chooser.choice(BASE58) for _ in range(44))
    return {"@context": DID_CONTEXT, "id": did, "alsoKnownAs": [f"at://{handle}"],
            "verificationMethod": [{"id": f"{did}#atproto", "type": "Multikey", "controller": did,
                                    "publicKeyMultibase": key}],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": service}]}


def _new_tokens(state: "SandboxState", account: str, did: str) -> tuple[str, str]:
    """An access and a refresh JWT, recorded with the expiry their `exp` claims."""
    wall = state.clock.wall()
    issued = int(wall)
    access_exp = issued + lifetime(state.scenario, "bsky")
    refresh_exp = issued + lifetime(state.scenario, "bsky", "refresh")
    access = jwt_shaped({"typ": "at+jwt", "alg": "ES256K"},
                        {"scope": "com.atproto.access", "sub": did, "iat": issued, "exp": access_exp,
                         "aud": SERVICE_DID})
    refresh = jwt_shaped({"typ": "refresh+jwt", "alg": "ES256K"},
                         {"scope": "com.atproto.refresh", "sub": did, "aud": SERVICE_DID,
                          "jti": secrets.token_urlsafe(32), "iat": issued, "exp": refresh_exp})
    state.tokens.record(access, "bsky", account, access_exp - wall)
    state.tokens.record(refresh, "bsky", account, refresh_exp - wall, kind="refresh")
    return access, refresh


def _session_window(state: "SandboxState", account: str) -> WindowState:
    """Count one createSession for the account; the window nearest its limit (windows divided
    by `time_scale`, limits fixed)."""
    now, wall = state.clock.monotonic(), state.clock.wall()
    tightest = None
    for limit, seconds in CREATE_SESSION_LIMITS:
        window = state.scenario.window(seconds)
        used, ends = state.tokens.session_windows.hit(("createSession", account, seconds), window, now)
        current = WindowState(limit, used, window, max(0.0, ends - now), wall + max(0.0, ends - now))
        if tightest is None or current.exceeded > tightest.exceeded or (
                current.exceeded == tightest.exceeded and current.remaining < tightest.remaining):
            tightest = current
    return tightest


async def create_session(request: Request, state: "SandboxState") -> ApiResponse:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "InvalidRequest", "Input must be a JSON object")
    for name in ("identifier", "password"):
        if not isinstance(body, dict) or not isinstance(body.get(name), str):
            return _error(400, "InvalidRequest", f'Input must have the property "{name}"')
    account = body["identifier"]
    window = _session_window(state, account)
    headers = rate_headers(window)
    if window.exceeded:
        state.tokens.event("bsky", account, "failures")
        if state.scenario.api("bsky").retry_after:
            headers["retry-after"] = str(max(1, math.ceil(window.reset_in)))
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    if not account or not body["password"] or account in state.scenario.auth["bsky"].refuse:
        state.tokens.event("bsky", account, "failures")
        return _error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
    did, handle, email = identity(state, account)
    access, refresh = _new_tokens(state, account, did)
    state.tokens.event("bsky", account, "grants")
    return ApiResponse.json({
        "did": did, "didDoc": did_doc(did, handle, base_url_of(request, "/bsky")), "handle": handle,
        "email": email, "emailConfirmed": True, "emailAuthFactor": False,
        "accessJwt": access, "refreshJwt": refresh, "active": True}, 200, headers)


async def refresh_session(request: Request, state: "SandboxState") -> ApiResponse:
    """Rotation: the refresh token used is revoked and a new pair is issued."""
    token = bearer_token(request)
    if token is None:
        return _error(401, "AuthMissing", "Authentication Required")
    entry = state.tokens.lookup(token)
    if entry is None or entry.issuer != "bsky":
        return _error(400, "InvalidToken", "Token could not be verified")
    if entry.kind != "refresh":
        return _error(400, "InvalidToken", "Invalid token type")
    if not state.tokens.usable(entry, state.scenario):
        state.tokens.event("bsky", entry.account, "expired_refusals")
        return _error(400, "ExpiredToken", "Token has expired")
    state.tokens.revoke(token)
    did, handle, _ = identity(state, entry.account)
    access, refresh = _new_tokens(state, entry.account, did)
    state.tokens.event("bsky", entry.account, "refreshes")
    return ApiResponse.json({
        "accessJwt": access, "refreshJwt": refresh, "handle": handle, "did": did,
        "didDoc": did_doc(did, handle, base_url_of(request, "/bsky")), "active": True})
