"""GitHub REST under /github (https://api.github.com stands here): a repository's issues, issue
comments, pull requests, stargazers and commits. Each listing answers under
/repos/{owner}/{repo}/... and /repositories/{id}/..., where its Link header points as recorded."""

from __future__ import annotations

import math

from sandbox.apis import github_lists
from sandbox.apis.github_paging import choice, link_paged, repo_of
from sandbox.data.github import GithubData
from sandbox.limits import WindowState
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec, bearer_token
from sandbox.responses import ApiResponse, NotFound

DOCS = "https://docs.github.com/rest/issues/issues#list-repository-issues"
STATES = ("open", "closed", "all")
SORTS = ("created", "updated", "comments")


def error_body(status: int, message: str, code: str | None) -> dict:
    body: dict = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if code:
        body["errors"] = [{"resource": "Issue", "field": code, "code": "invalid"}]
    return body


def rate_headers(state: WindowState) -> dict[str, str]:
    return {"x-ratelimit-limit": str(state.limit), "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-used": str(min(state.used, state.limit)),
            "x-ratelimit-reset": str(math.ceil(state.reset_at)), "x-ratelimit-resource": "core"}


def issue_numbers(ctx: RequestContext) -> list[int]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    state = choice(ctx, "state", STATES, "open")
    choice(ctx, "sort", SORTS, "created")
    direction = choice(ctx, "direction", ("asc", "desc"), "desc")
    numbers = [n for n in range(1, data.issue_count(repo) + 1)
               if state == "all" or (state == "closed") == data.is_closed(repo, n)]
    return numbers if direction == "asc" else numbers[::-1]


def list_issues(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.issue_bytes(repo, n) for n in issue_numbers(ctx)]
    return link_paged(ctx, parts, f"/repositories/{data.repository_id(repo)}/issues")


def get_issue(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    raw = ctx.path_params["number"]
    if not raw.isdigit() or not 1 <= int(raw) <= data.issue_count(repo):
        raise NotFound("Not Found")
    return ApiResponse.raw_json(data.issue_bytes(repo, int(raw)))


def issues_truth(ctx: RequestContext) -> list[str]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    return [str(data.issue_id(repo, n)) for n in issue_numbers(ctx)]


def _listing(suffix: str, handler, truth) -> tuple[RouteSpec, ...]:
    """The listing under the repository's name and under its id."""
    return tuple(RouteSpec(prefix + suffix, handler, True, truth)
                 for prefix in ("/repos/{owner}/{repo}", "/repositories/{repository_id}"))


SPEC = ApiSpec(
    name="github",
    prefix="/github",
    routes=(
        *_listing("/issues", list_issues, issues_truth),
        *_listing("/issues/comments", github_lists.list_comments, github_lists.comments_truth),
        *_listing("/issues/{number}/comments", github_lists.list_issue_comments,
                  github_lists.issue_comments_truth),
        RouteSpec("/repos/{owner}/{repo}/issues/{number}", get_issue),
        *_listing("/pulls", github_lists.list_pulls, github_lists.pulls_truth),
        *_listing("/stargazers", github_lists.list_stargazers, github_lists.stargazers_truth),
        *_listing("/commits", github_lists.list_commits, github_lists.commits_truth),
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
