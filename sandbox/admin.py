"""The admin routes under /_admin: health, reset, scenario, new items, counters, the log of
recent requests, ground truth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, compile_path

from sandbox.pipeline import ApiSpec, RequestContext
from sandbox.responses import ApiError
from sandbox.scenario import ScenarioError, parse_scenario

if TYPE_CHECKING:
    from sandbox.state import SandboxState

MAX_NEW_ITEMS = 100_000


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status)


async def _json_body(request: Request):
    raw = await request.body()
    if not raw.strip():
        return {}
    return json.loads(raw)


def admin_routes(state: "SandboxState", specs: tuple[ApiSpec, ...]) -> list[Route]:
    truth_routes = [(spec, route, compile_path(route.path)) for spec in specs
                    for route in spec.routes if route.truth is not None]

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "seed": state.seed, "size": state.size})

    async def reset(request: Request) -> JSONResponse:
        state.reset()
        return JSONResponse({"ok": True})

    async def get_scenario(request: Request) -> JSONResponse:
        return JSONResponse(state.scenario.source)

    async def put_scenario(request: Request) -> JSONResponse:
        try:
            scenario = parse_scenario(await _json_body(request))
        except (ScenarioError, json.JSONDecodeError) as error:
            return _error(str(error))
        state.set_scenario(scenario)
        return JSONResponse({"ok": True, "scenario": scenario.source})

    async def add_items(request: Request) -> JSONResponse:
        try:
            body = await _json_body(request)
        except json.JSONDecodeError as error:
            return _error(str(error))
        if not isinstance(body, dict):
            return _error("the body must be a JSON object")
        options = dict(body)
        api = options.pop("api", None)
        count = options.pop("count", 1)
        if api not in state.datasets:
            return _error(f"api must be one of {sorted(state.datasets)}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_NEW_ITEMS:
            return _error(f"count must be an integer from 1 to {MAX_NEW_ITEMS}")
        try:
            ids = state.datasets[api].add(count, **options)
        except (TypeError, ValueError) as error:
            return _error(f"cannot add {api} items: {error}")
        return JSONResponse({"ok": True, "api": api, "ids": ids})

    async def counters(request: Request) -> JSONResponse:
        snapshot = state.counters.snapshot(state.clock.monotonic(), state.clock.wall())
        snapshot["hidden_rules"] = state.limiter.hidden.tallies(state.scenario)
        return JSONResponse(snapshot)

    async def requests_log(request: Request) -> JSONResponse:
        api = request.query_params.get("api")
        return JSONResponse({"requests": state.counters.requests(api)})

    async def truth(request: Request) -> JSONResponse:
        target = request.query_params.get("path")
        if not target:
            return _error("give the listing as ?path=/mastodon/api/v1/timelines/tag/python")
        path, _, query = target.partition("?")
        for spec, route, (regex, _, convertors) in truth_routes:
            if not path.startswith(spec.prefix + "/"):
                continue
            match = regex.match(path[len(spec.prefix):])
            if match is None:
                continue
            params = {key: convertors[key].convert(value) for key, value in match.groupdict().items()}
            context = RequestContext(QueryParams(query), params, state.datasets[spec.name])
            try:
                ids = route.truth(context)
            except ApiError as error:
                return _error(error.message, error.status)
            return JSONResponse({"path": target, "count": len(ids), "ids": ids})
        return _error(f"no listing with a ground truth matches {path!r}", 404)

    return [
        Route("/_admin/health", health, methods=["GET"]),
        Route("/_admin/reset", reset, methods=["POST"]),
        Route("/_admin/scenario", get_scenario, methods=["GET"]),
        Route("/_admin/scenario", put_scenario, methods=["PUT", "POST"]),
        Route("/_admin/items", add_items, methods=["POST"]),
        Route("/_admin/counters", counters, methods=["GET"]),
        Route("/_admin/requests", requests_log, methods=["GET"]),
        Route("/_admin/truth", truth, methods=["GET"]),
    ]
