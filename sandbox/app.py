"""The ASGI application: every API under its prefix, the admin routes, a static baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.admin import admin_routes
from sandbox.apis import algolia, bluesky, github, hn, mastodon, reddit
from sandbox.apis.token_routes import token_routes
from sandbox.pipeline import ApiSpec, Pipeline, RequestContext, RouteSpec
from sandbox.responses import NotFound
from sandbox.scenario import Scenario, load_scenario_file, parse_scenario
from sandbox.state import DEFAULT_SEED, DEFAULT_SIZE, SandboxState

API_SPECS: tuple[ApiSpec, ...] = (mastodon.SPEC, reddit.SPEC, hn.SPEC, bluesky.SPEC, github.SPEC, algolia.SPEC)
STATIC_BODY = b'{"ok":true}'


def _unknown_route(ctx: RequestContext):
    raise NotFound("Not Found")


async def static_baseline(request: Request) -> Response:
    """A trivial answer on the same stack: the benchmark's baseline."""
    return Response(STATIC_BODY, 200, media_type="application/json")


def _api_routes(state: SandboxState) -> list[Route]:
    routes = []
    for spec in API_SPECS:
        pipeline = Pipeline(state, spec)
        for route in spec.routes:
            label = f"{spec.name} GET {route.path}"
            routes.append(Route(spec.prefix + route.path, pipeline.endpoint(route, label), methods=["GET"]))
        fallback = RouteSpec("/{rest:path}", _unknown_route)
        routes.append(Route(spec.prefix + "/{rest:path}",
                            pipeline.endpoint(fallback, f"{spec.name} GET (unknown route)"),
                            methods=["GET"]))
    return routes


def _scenario(value: Scenario | dict[str, Any] | str | Path | None) -> Scenario:
    if value is None or isinstance(value, Scenario):
        return value or parse_scenario({})
    if isinstance(value, dict):
        return parse_scenario(value)
    return load_scenario_file(value)


def create_app(seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE,
               scenario: Scenario | dict[str, Any] | str | Path | None = None, clock=None) -> Starlette:
    """The sandbox as an ASGI app; `app.state.sandbox` is its SandboxState."""
    state = SandboxState(seed, size, _scenario(scenario), clock)
    routes = [Route("/_bench/static", static_baseline, methods=["GET"])]
    routes += admin_routes(state, API_SPECS)
    routes += token_routes(state)
    routes += _api_routes(state)
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return app
