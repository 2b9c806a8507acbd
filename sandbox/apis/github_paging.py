"""What GitHub's listings share: the repository a path names, lenient page numbers, the
`direction` parameter, and pages linked by a Link header (next, last, first, prev)."""

from __future__ import annotations

import math

from sandbox.data.github import GithubData
from sandbox.pipeline import RequestContext
from sandbox.paging import link_header, url_with
from sandbox.responses import ApiError, ApiResponse, NotFound, join_json_array
from sandbox.timefmt import parse_iso

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


class ValidationFailed(ApiError):
    status = 422


def lenient_int(raw: str | None, default: int) -> int:
    """GitHub ignores a page or per_page it cannot read."""
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def repo_of(ctx: RequestContext) -> str:
    """owner/name from /repos/{owner}/{repo}/... or from /repositories/{repository_id}/..."""
    if "repository_id" not in ctx.path_params:
        return f"{ctx.path_params['owner']}/{ctx.path_params['repo']}"
    data: GithubData = ctx.data
    raw = ctx.path_params["repository_id"]
    repo = data.repository_name(int(raw)) if raw.isdigit() else None
    if repo is None:
        raise NotFound("Not Found")
    return repo


def choice(ctx: RequestContext, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = ctx.params.get(name, default)
    if value not in allowed:
        raise ValidationFailed("Validation Failed", code=name)
    return value


def time_param(ctx: RequestContext, name: str) -> float | None:
    raw = ctx.params.get(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise ValidationFailed("Validation Failed", code=name) from None


def link_paged(ctx: RequestContext, parts: list[bytes], link_path: str) -> ApiResponse:
    """One page of `parts` (already-encoded items, in listing order) as `page` and `per_page` ask,
    with the Link header pointing at `link_path` under the API's base and the same query."""
    per_page = max(1, min(lenient_int(ctx.params.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE))
    page = max(1, lenient_int(ctx.params.get("page"), 1))
    start = (page - 1) * per_page
    last = max(1, math.ceil(len(parts) / per_page))
    headers = {}
    if last > 1:
        kept = [(k, v) for k, v in ctx.params.multi_items() if k != "page"]

        def page_url(number: int) -> str:
            return url_with(ctx.base_url, link_path, kept + [("page", str(number))])

        links = []
        if page < last:
            links.append((page_url(page if ctx.repeat_cursor and page > 1 else page + 1), "next"))
            links.append((page_url(last), "last"))
        if page > 1:
            links.append((page_url(1), "first"))
            links.append((page_url(min(page - 1, last)), "prev"))
        headers["link"] = link_header(links)
    return ApiResponse.raw_json(join_json_array(parts[start:start + per_page]), headers)
