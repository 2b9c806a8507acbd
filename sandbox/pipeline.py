"""Every API request passes here: credential, outage, hidden and published limits, faults,
the API's own handler, malformed bodies, rate-limit headers, and the counters."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from sandbox.faults import malform, outage_status, proxy_error, reason_of
from sandbox.hidden_limits import Passage
from sandbox.payloads import with_duplicate, with_payloads
from sandbox.limits import WindowState
from sandbox.responses import ApiError, ApiResponse, RawAnswer

if TYPE_CHECKING:
    from sandbox.state import SandboxState

TRANSPORT_KEY = "sandbox.transport"


@dataclass
class RequestContext:
    """What a handler sees of one request."""

    params: Mapping[str, str]
    path_params: dict[str, str]
    data: Any
    base_url: str = ""
    authenticated: bool = False
    repeat_cursor: bool = False
    credential: str | None = None


def base_url_of(request: Request, prefix: str) -> str:
    """The request's own scheme, host and port, and the API's prefix."""
    host = request.headers.get("host") or "127.0.0.1"
    return f"{request.url.scheme}://{host}{prefix}"


Handler = Callable[[RequestContext], ApiResponse]


@dataclass(frozen=True)
class RouteSpec:
    path: str
    handler: Handler
    paginated: bool = False
    truth: Callable[[RequestContext], list[str]] | None = None


@dataclass(frozen=True)
class ApiSpec:
    """How one API looks from outside: its prefix, error shapes, headers and routes."""

    name: str
    prefix: str
    routes: tuple[RouteSpec, ...]
    error_body: Callable[[int, str, str | None], Any]
    rate_headers: Callable[[WindowState], dict[str, str]]
    token: Callable[[Request], str | None]
    requires_token: bool = False
    static_headers: dict[str, str] = field(default_factory=dict)
    cursor_params: tuple[str, ...] = ()


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token.strip():
        return None
    return token.strip()


async def _close_unanswered(request: Request) -> None:
    transport = request.scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is not None:
        transport.close()
        for _ in range(3):
            await asyncio.sleep(0)
    else:
        raise ConnectionAbortedError("connection dropped by the fault scenario")


class ReleasingResponse(Response):
    """An answer that calls `on_sent` once it is sent, or once sending it has failed (the
    client went away): the request holds its hidden-limit places until then."""

    def __init__(self, body: bytes, status: int, headers: dict[str, str] | None = None,
                 on_sent: Callable[[], None] | None = None) -> None:
        super().__init__(body, status, headers)
        self.on_sent = on_sent

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.on_sent is not None:
                self.on_sent()


class Pipeline:
    def __init__(self, state: "SandboxState", spec: ApiSpec) -> None:
        self.state = state
        self.spec = spec

    def endpoint(self, route: RouteSpec, label: str):
        async def answer(request: Request) -> Response:
            return await self.handle(request, route, label)

        return answer

    async def handle(self, request: Request, route: RouteSpec, label: str) -> Response:
        state = self.state
        counters = state.counters
        arrived = state.clock.wall()
        counters.begin(state.clock.monotonic())
        token = self.spec.token(request)
        credential = state.tokens.credential(token)
        client = request.client.host if request.client else "unknown"
        passage = state.limiter.hidden.arrive(self.spec.name, state.scenario, route.path, credential,
                                              client, state.clock.monotonic())
        outcome = "500"
        try:
            response = await self._respond(request, route, token, credential, client, passage)
            if isinstance(response, str):
                outcome = response
                return ReleasingResponse(b"", 500, on_sent=passage.release)
            outcome = str(response.status)
            headers = dict(self.spec.static_headers)
            headers.update(response.headers)
            headers["content-type"] = response.content_type
            return ReleasingResponse(response.body, response.status, headers, on_sent=passage.release)
        except BaseException:
            passage.release()
            raise
        finally:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            counters.end(self.spec.name, label, outcome, credential, target=target, at=arrived)

    async def _respond(self, request: Request, route: RouteSpec, token: str | None,
                       credential: str | None, client: str, passage: Passage) -> ApiResponse | str:
        """The answer, or the name of the fault (`drop`, `hang`) that left it unanswered."""
        state = self.state
        spec = self.spec
        settings = state.scenario.api(spec.name)
        if passage.status is not None:
            state.counters.hidden_refusals[spec.name] += 1
            return proxy_error(passage.status)
        decider = state.faults
        faults_hit = settings.faults_hit(route.path)
        if settings.latency_fixed or settings.latency_jitter:
            await asyncio.sleep(decider.latency(settings))
        if spec.requires_token and token is None:
            return ApiResponse.json(spec.error_body(401, "Unauthorized", None), 401)
        refusal = state.tokens.refusal(spec.name, token, state.scenario)
        if refusal is not None:
            return refusal
        now = state.clock.monotonic()
        if settings.outages and faults_hit:
            status = outage_status(settings, now - state.scenario_set_at)
            if status is not None:
                state.counters.fault(spec.name, "outage")
                return proxy_error(status)
        verdict = state.limiter.check(spec.name, state.scenario, credential, client, now,
                                      state.clock.wall(), route.path, passage)
        if verdict.hidden_status is not None:
            state.counters.hidden_refusals[spec.name] += 1
            return proxy_error(verdict.hidden_status)
        if passage.delay:
            await asyncio.sleep(passage.delay)
        if verdict.refused:
            state.counters.throttled[spec.name] += 1
            response = ApiResponse.json(spec.error_body(429, "Too Many Requests", None), 429)
            if settings.retry_after:
                response.headers["retry-after"] = str(max(1, math.ceil(verdict.published.reset_in)))
            response.headers.update(spec.rate_headers(verdict.published))
            return response
        if settings.has_random_faults and faults_hit:
            kind, status = decider.failure(settings)
            if kind:
                state.counters.fault(spec.name, kind if kind != "error" else str(status))
                if kind == "error":
                    if status == 500 or status < 500:
                        return ApiResponse.json(spec.error_body(status, reason_of(status), None), status)
                    return proxy_error(status)
                if kind == "hang":
                    await asyncio.sleep(settings.hang_seconds)
                await _close_unanswered(request)
                return kind
        repeat = bool(route.paginated and settings.cursor_repeat
                      and any(name in request.query_params for name in spec.cursor_params)
                      and decider.repeat_cursor(settings))
        if repeat:
            state.counters.fault(spec.name, "cursor_repeat")
        context = RequestContext(request.query_params, request.path_params, state.datasets[spec.name],
                                 base_url_of(request, spec.prefix), token is not None, repeat, credential)
        try:
            response = route.handler(context)
        except ApiError as error:
            response = ApiResponse.json(spec.error_body(error.status, error.message, error.code),
                                        error.status)
        except RawAnswer as raw:
            response = raw.response
        if response.status == 200 and settings.duplicate_in_page and faults_hit and decider.duplicate_in_page(settings):
            duplicated = with_duplicate(response)
            if duplicated is not response:
                state.counters.fault(spec.name, "duplicate_in_page")
                response = duplicated
        if response.status == 200 and settings.payloads and faults_hit:
            kinds = decider.payloads(settings)
            for kind in kinds:
                state.counters.fault(spec.name, kind)
            if kinds:
                response = with_payloads(response, kinds, settings)
        if response.status == 200 and settings.malformed and faults_hit:
            kind = decider.malformed(settings)
            if kind:
                state.counters.fault(spec.name, kind)
                response = malform(response, kind)
        if verdict.published is not None:
            response.headers.update(spec.rate_headers(verdict.published))
        return response
