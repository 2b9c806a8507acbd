"""GitHub's listings around a repository's issues: comments (the repository's and one issue's),
pull requests, stargazers and commits, each with the filters and orders GitHub documents."""

from __future__ import annotations

from sandbox.apis.github_paging import choice, link_paged, repo_of, time_param
from sandbox.data.github import GithubData
from sandbox.data.github_activity import MONTH, Comment, PullSummary
from sandbox.pipeline import RequestContext
from sandbox.responses import ApiResponse, NotFound
from sandbox.timefmt import DATASET_END, parse_iso

DIRECTIONS = ("asc", "desc")
PULL_STATES = ("open", "closed", "all")
PULL_SORTS = ("created", "updated", "popularity", "long-running")


def _since_filtered(ctx: RequestContext, comments: list[Comment]) -> list[Comment]:
    """`since` keeps the comments updated at or after it."""
    since = time_param(ctx, "since")
    return comments if since is None else [c for c in comments if c.updated >= since]


def repository_comments(ctx: RequestContext) -> list[Comment]:
    data: GithubData = ctx.data
    comments = _since_filtered(ctx, data.activity.comments(repo_of(ctx)))
    sort = choice(ctx, "sort", ("created", "updated"), "created")
    direction = choice(ctx, "direction", DIRECTIONS, "asc")
    if sort == "updated":
        comments = sorted(comments, key=lambda c: (c.updated, c.id))
    return comments if direction == "asc" else comments[::-1]


def list_comments(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.activity.comment_bytes(repo, c) for c in repository_comments(ctx)]
    return link_paged(ctx, parts, f"/repos/{repo}/issues/comments")


def comments_truth(ctx: RequestContext) -> list[str]:
    return [str(c.id) for c in repository_comments(ctx)]


def issue_comments(ctx: RequestContext) -> list[Comment]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    raw = ctx.path_params["number"]
    if not raw.isdigit() or not 1 <= int(raw) <= data.issue_count(repo):
        raise NotFound("Not Found")
    return _since_filtered(ctx, [c for c in data.activity.comments(repo) if c.number == int(raw)])


def list_issue_comments(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.activity.comment_bytes(repo, c) for c in issue_comments(ctx)]
    return link_paged(ctx, parts, f"/repositories/{data.repository_id(repo)}/issues/{ctx.path_params['number']}"
                                  "/comments")


def issue_comments_truth(ctx: RequestContext) -> list[str]:
    return [str(c.id) for c in issue_comments(ctx)]


def _pull_order(sort: str):
    if sort == "updated":
        return lambda p: (p.updated, p.number)
    if sort == "popularity":
        return lambda p: (p.comments, p.number)
    return lambda p: p.number


def pulls(ctx: RequestContext) -> list[PullSummary]:
    """The pull requests asked for; `direction` defaults to desc for `created`, else asc."""
    data: GithubData = ctx.data
    state = choice(ctx, "state", PULL_STATES, "open")
    sort = choice(ctx, "sort", PULL_SORTS, "created")
    direction = choice(ctx, "direction", DIRECTIONS, "desc" if sort == "created" else "asc")
    head, base = ctx.params.get("head"), ctx.params.get("base")
    found = [p for p in data.activity.pulls(repo_of(ctx))
             if (state == "all" or p.open == (state == "open"))
             and (head is None or p.head == head) and (base is None or p.base == base)]
    if sort == "long-running":
        found = [p for p in found if p.open and parse_iso(p.created) < DATASET_END - MONTH]
    found.sort(key=_pull_order(sort))
    return found if direction == "asc" else found[::-1]


def list_pulls(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.activity.pull_bytes(repo, p.number) for p in pulls(ctx)]
    return link_paged(ctx, parts, f"/repositories/{data.repository_id(repo)}/pulls")


def pulls_truth(ctx: RequestContext) -> list[str]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    return [str(data.activity.pull_id(repo, p.number)) for p in pulls(ctx)]


def list_stargazers(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.activity.stargazer_bytes(repo, i) for i in range(data.activity.stargazer_count(repo))]
    return link_paged(ctx, parts, f"/repos/{repo}/stargazers")


def stargazers_truth(ctx: RequestContext) -> list[str]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    return [str(data.activity.stargazer_id(repo, i)) for i in range(data.activity.stargazer_count(repo))]


def commit_indexes(ctx: RequestContext) -> list[int]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    history = data.activity.commits
    ref = ctx.params.get("sha") or "main"
    start = history.index_of(repo, ref)
    if start is None:
        raise NotFound(f"No commit found for SHA: {ref}")
    return history.listed(repo, start, ctx.params.get("path"), ctx.params.get("author"),
                          time_param(ctx, "since"), time_param(ctx, "until"))


def list_commits(ctx: RequestContext) -> ApiResponse:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    parts = [data.activity.commits.commit_bytes(repo, k) for k in commit_indexes(ctx)]
    return link_paged(ctx, parts, f"/repositories/{data.repository_id(repo)}/commits")


def commits_truth(ctx: RequestContext) -> list[str]:
    data: GithubData = ctx.data
    repo = repo_of(ctx)
    return [data.activity.commits.sha(repo, k) for k in commit_indexes(ctx)]
