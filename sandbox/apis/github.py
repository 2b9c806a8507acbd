"""GitHub REST under /github (https://api.github.com stands here): repository issues."""

from __future__ import annotations

import math

from sandbox.data.github import GithubData
from sandbox.limits import WindowState
from sandbox.paging import link_header, url_with
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiError, ApiResponse, NotFound, join_json_array

DOCS = "https://docs.github.com/rest/issues/issues#list-repository-issues"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
STATES = ("open", "closed", "all")
SORTS = ("created", "updated", "comments")


class ValidationFailed(ApiError):
    status = 422


def error_body(status: int, message: str, code: str | None) -> dict:
    body: dict = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if code:
        body["errors"] = [{"resource": "Issue", "field": code, "code": "invalid"}]
    return body


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-limit": str(state.limit), "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-used": str(min(state.used, state.limit)),
            "x-ratelimit-reset": str(math.ceil(state.reset_at)), "x-ratelimit-resource": "core"}


def _lenient_int(raw: str | None, default: int) -> int:
    """GitHub ignores a page or per_page it cannot read."""
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def _repo(ctx: RequestContext) -> str:
    return f"{ctx.path_params['owner']}/{ctx.path_params['repo']}"


def issue_numbers(ctx: RequestContext) -> list[int]:
    data: GithubData = ctx.data
    repo = _repo(ctx)
    state = ctx.params.get("state", "open")
    if state not in STATES:
        raise ValidationFailed("Validation Failed", code="state")
    if ctx.params.get("sort", "created") not in SORTS:
        raise ValidationFailed("Validation Failed", code="sort")
    direction = ctx.params.get("direction", "desc")
    if direction not in ("asc", "desc"):
        raise ValidationFailed("Validation Failed", code="direction")
    numbers = [n for n in range(1, data.issue_count(repo) + 1)
               if state == "all" or (state == "closed") == data.is_closed(repo, n)]
    return numbers if direction == "asc" else numbers[::-1]


def list_issues(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = _repo(ctx)
    numbers = issue_numbers(ctx)
    per_page = max(1, min(_lenient_int(ctx.params.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE))
    page = max(1, _lenient_int(ctx.params.get("page"), 1))
    start = (page - 1) * per_page
    body = join_json_array([data.issue_bytes(repo, n) for n in numbers[start:start + per_page]])
    last = max(1, math.ceil(len(numbers) / per_page))
    headers = {}
    if last > 1:
        kept = [(k, v) for k, v in ctx.params.multi_items() if k != "page"]
        path = f"/repos/{repo}/issues"

        def page_url(number: int) -> str:
            return url_with(ctx.base_url, path, kept + [("page", str(number))])

        links = []
        if page < last:
            links.append((page_url(page if ctx.repeat_cursor and page > 1 else page + 1), "next"))
            links.append((page_url(last), "last"))
        if page > 1:
            links.append((page_url(1), "first"))
            links.append((page_url(min(page - 1, last)), "prev"))
        headers["link"] = link_header(links)
    return ApiResponse.raw_json(body, headers)


def get_issue(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = _repo(ctx)
    raw = ctx.path_params["number"]
    if not raw.isdigit() or not 1 <= int(raw) <= data.issue_count(repo):
        raise NotFound("Not Found")
    return ApiResponse.raw_json(data.issue_bytes(repo, int(raw)))


def issues_truth(ctx: RequestContext) -> list[str]:
    data: GithubData = ctx.data
    repo = _repo(ctx)
    return [str(data.issue_id(repo, n)) for n in issue_numbers(ctx)]


SPEC = ApiSpec(
    name="github",
    prefix="/github",
    routes=(
        RouteSpec("/repos/{owner}/{repo}/issues", list_issues, True, issues_truth),
        RouteSpec("/repos/{owner}/{repo}/issues/{number}", get_issue),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=bearer_token,
    static_headers={"x-github-media-type": "github.v3; format=json", "x-content-type-options": "nosniff",
                    "access-control-expose-headers": "ETag, Link, Location, Retry-After, X-GitHub-OTP, "
                    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, "
                    "X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval"},
    cursor_params=("page",),
)
