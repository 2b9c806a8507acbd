"""The token endpoints (POST): Reddit's OAuth2 access_token, Bluesky's createSession and
refreshSession, and a generic OAuth2 server's client-credentials grant (RFC 6749, 4.4).

They pass no rate limit or fault of the API pipeline; createSession keeps its own per-account
limit. Each request is counted under `<api> POST <path>` in the counters.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import TYPE_CHECKING, Awaitable, Callable
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.apis import bluesky
from sandbox.apis.bsky_session import create_session, refresh_session
from sandbox.auth import lifetime, opaque_token
from sandbox.responses import ApiResponse

if TYPE_CHECKING:
    from sandbox.state import SandboxState

Answer = Callable[[Request, "SandboxState"], Awaitable[ApiResponse]]
REDDIT_JSON = "application/json; charset=UTF-8"
REDDIT_UNAUTHORIZED = {"message": "Unauthorized", "error": 401}
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


async def form_fields(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the first value of each field)."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def basic_credentials(request: Request, form_encoded: bool = False) -> tuple[str, str] | None:
    """The (id, secret) of an `Authorization: Basic` header, or None when absent or garbled."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret:
        return None
    if form_encoded:
        return unquote_plus(client_id), unquote_plus(secret)
    return client_id, secret


def _reddit_token() -> str:
    return f"{secrets.randbelow(10**10)}-{opaque_token()}"


async def reddit_access_token(request: Request, state: "SandboxState") -> ApiResponse:
    """Reddit's script-app grants: password (account = username) or client_credentials
    (account = client id). Reddit answers most refusals with a 200 and an `error` field."""
    tokens = state.tokens
    client = basic_credentials(request)
    if client is None:
        return ApiResponse.json(REDDIT_UNAUTHORIZED, 401, content_type=REDDIT_JSON)
    fields = await form_fields(request)
    grant = fields.get("grant_type")
    refused = state.scenario.auth["reddit"].refuse
    if grant == "password":
        account = fields.get("username", "")
        if not account or not fields.get("password") or account in refused:
            if account:
                tokens.event("reddit", account, "failures")
            return ApiResponse.json({"error": "invalid_grant"}, content_type=REDDIT_JSON)
    elif grant == "client_credentials":
        account = client[0]
        if account in refused:
            tokens.event("reddit", account, "failures")
            return ApiResponse.json(REDDIT_UNAUTHORIZED, 401, content_type=REDDIT_JSON)
    else:
        tokens.event("reddit", client[0], "failures")
        return ApiResponse.json({"error": "unsupported_grant_type"}, content_type=REDDIT_JSON)
    token, lives = _reddit_token(), lifetime(state.scenario, "reddit")
    tokens.record(token, "reddit", account, lives)
    tokens.event("reddit", account, "grants")
    body = {"access_token": token, "token_type": "bearer", "expires_in": lives, "scope": "*"}
    return ApiResponse.json(body, content_type=REDDIT_JSON)


def _oauth2_error(code: str, status: int, challenge: bool = False) -> ApiResponse:
    headers = dict(NO_STORE)
    if challenge:
        headers["www-authenticate"] = 'Basic realm="oauth2"'
    return ApiResponse.json({"error": code}, status, headers)


async def oauth2_token(request: Request, state: "SandboxState") -> ApiResponse:
    """Client credentials grant; the client authenticates by HTTP basic or by form fields, and
    is the account."""
    fields = await form_fields(request)
    by_header = request.headers.get("authorization") is not None
    by_form = "client_id" in fields or "client_secret" in fields
    if by_header and by_form:
        return _oauth2_error("invalid_request", 400)
    if by_header:
        client = basic_credentials(request, form_encoded=True)
    else:
        client = (fields.get("client_id", ""), fields.get("client_secret", ""))
    if client is None or not client[0] or not client[1]:
        return _oauth2_error("invalid_client", 401, challenge=by_header)
    account = client[0]
    if account in state.scenario.auth["oauth2"].refuse:
        state.tokens.event("oauth2", account, "failures")
        return _oauth2_error("invalid_client", 401, challenge=by_header)
    grant = fields.get("grant_type")
    if grant != "client_credentials":
        state.tokens.event("oauth2", account, "failures")
        return _oauth2_error("unsupported_grant_type" if grant else "invalid_request", 400)
    token, lives = opaque_token(), lifetime(state.scenario, "oauth2")
    state.tokens.record(token, "oauth2", account, lives)
    state.tokens.event("oauth2", account, "grants")
    body: dict = {"access_token": token, "token_type": "Bearer", "expires_in": lives}
    if fields.get("scope"):
        body["scope"] = fields["scope"]
    return ApiResponse.json(body, 200, dict(NO_STORE))


def _endpoint(state: "SandboxState", api: str, path: str, answer: Answer,
              static_headers: dict[str, str]):
    label = f"{api} POST {path}"

    async def endpoint(request: Request) -> Response:
        counters = state.counters
        arrived = state.clock.wall()
        counters.begin(state.clock.monotonic())
        outcome = "500"
        try:
            response = await answer(request, state)
            outcome = str(response.status)
            headers = {**static_headers, **response.headers, "content-type": response.content_type}
            return Response(response.body, response.status, headers)
        finally:
            counters.end(api, label, outcome, None, target=request.url.path, at=arrived)

    return endpoint


TOKEN_ENDPOINTS: tuple[tuple[str, str, str, Answer, dict[str, str]], ...] = (
    ("reddit", "/reddit", "/api/v1/access_token", reddit_access_token, {}),
    ("bsky", "/bsky", "/xrpc/com.atproto.server.createSession", create_session, bluesky.SPEC.static_headers),
    ("bsky", "/bsky", "/xrpc/com.atproto.server.refreshSession", refresh_session, bluesky.SPEC.static_headers),
    ("oauth2", "/oauth2", "/token", oauth2_token, {}),
)


def token_routes(state: "SandboxState") -> list[Route]:
    return [Route(prefix + path, _endpoint(state, api, path, answer, headers), methods=["POST"])
            for api, prefix, path, answer, headers in TOKEN_ENDPOINTS]
