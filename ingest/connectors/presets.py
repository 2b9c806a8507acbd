"""Named rest definitions shipped with the workbench: plain data, used as `preset="<name>"`.

The GitHub presets share how GitHub's REST API is reached, paged (Link header, `per_page` up
to 100) and limited (the `core` group: 60 calls an hour anonymous, 5,000 with a token); each
adds its path, arguments, record identity, time and order.
"""

from __future__ import annotations

GITHUB = {
    "base_url": "https://api.github.com",
    "headers": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
    "page_size": {"param": "per_page", "max": 100},
    "paginator": {"type": "link_header"},
    "records_path": None,
    "id_fields": ["id"],
    "key_scope": "host",
    "auth": {"header": "Authorization", "format": "Bearer {secret}"},
    "rate_limit": {"limit": "x-ratelimit-limit", "remaining": "x-ratelimit-remaining",
                   "reset": "x-ratelimit-reset", "reset_kind": "epoch", "window": 3600},
    "known_limit": {"requests": 60, "requests_with_credential": 5000, "window": 3600,
                    "per": ["host", "credential"]},
    "group": "core",
}

REPOSITORY = {
    "owner": {"type": "str", "help": "owner of the repository, e.g. 'psf'"},
    "repo": {"type": "str", "help": "name of the repository, e.g. 'requests'"},
}

UPDATED_SINCE = {"field": "updated_at", "param": "since"}


def _by_direction(sort: str | None = None) -> list[dict]:
    """Order rules for a listing sorted by creation time in `direction` (when `sort` is `sort`)."""
    when = {"sort": sort} if sort else {}
    return [{"when": {**when, "direction": "desc"}, "order": "newest_first"},
            {"when": {**when, "direction": "asc"}, "order": "oldest_first"},
            {"order": "unordered"}]


def _direction(default: str) -> dict:
    return {"type": "str", "default": default, "choices": ["asc", "desc"], "help": "sort direction"}


def _github(name: str, path: str, arguments: dict, **fields) -> dict:
    return {**GITHUB, "name": name, "path": path, "arguments": {**REPOSITORY, **arguments}, **fields}


GITHUB_ISSUES = _github(
    "github_issues", "/repos/{owner}/{repo}/issues",
    {"state": {"type": "str", "default": "open", "choices": ["open", "closed", "all"],
               "help": "which issues to list"}},
    query={"sort": "created", "direction": "desc"},
    created_at_field="created_at", order="newest_first", incremental=UPDATED_SINCE,
)

GITHUB_ISSUE_COMMENTS = _github(
    "github_issue_comments", "/repos/{owner}/{repo}/issues/comments",
    {"sort": {"type": "str", "default": "created", "choices": ["created", "updated"],
              "help": "what the comments are sorted by"},
     "direction": _direction("asc")},
    created_at_field="created_at", order=_by_direction("created"),
    time_params={"since": "since"}, incremental=UPDATED_SINCE,
)
"""Every issue and pull request comment of a repository. GitHub's `since` keeps comments updated
at or after it, so it narrows the pages fetched; the pull's `since` then keeps the created ones."""

GITHUB_COMMENTS_ON_ISSUE = _github(
    "github_comments_on_issue", "/repos/{owner}/{repo}/issues/{number}/comments",
    {"number": {"type": "int", "minimum": 1, "help": "the issue's or pull request's number"}},
    created_at_field="created_at", order="oldest_first",
    time_params={"since": "since"}, incremental=UPDATED_SINCE,
)

GITHUB_PULLS = _github(
    "github_pulls", "/repos/{owner}/{repo}/pulls",
    {"state": {"type": "str", "default": "open", "choices": ["open", "closed", "all"],
               "help": "which pull requests to list"},
     "sort": {"type": "str", "default": "created",
              "choices": ["created", "updated", "popularity", "long-running"],
              "help": "what the pull requests are sorted by"},
     "direction": _direction("desc"),
     "head": {"type": "str", "default": None, "help": "only from this branch, as 'user:ref-name'"},
     "base": {"type": "str", "default": None, "help": "only into this branch, e.g. 'main'"}},
    created_at_field="created_at", order=_by_direction("created"),
)

GITHUB_STARGAZERS = _github(
    "github_stargazers", "/repos/{owner}/{repo}/stargazers", {},
    order="oldest_first",
)
"""The users who starred a repository, the earliest first; users carry no time of their own."""

GITHUB_COMMITS = _github(
    "github_commits", "/repos/{owner}/{repo}/commits",
    {"sha": {"type": "str", "default": None, "help": "branch or commit SHA to list from (default branch)"},
     "path": {"type": "str", "default": None, "help": "only commits touching this file or directory"},
     "author": {"type": "str", "default": None, "help": "only commits by this GitHub login or e-mail"}},
    id_fields=["sha"], created_at_field="commit.committer.date", order="newest_first",
    time_params={"since": "since", "until": "until"},
    incremental={"field": "commit.committer.date", "param": "since"},
)
"""Commits newest first. Their time is the committer date: the one GitHub orders by and its
`since`/`until` filter on (the author date can be older, after a rebase or a cherry-pick)."""

PRESETS: dict[str, dict] = {preset["name"]: preset for preset in (
    GITHUB_ISSUES, GITHUB_ISSUE_COMMENTS, GITHUB_COMMENTS_ON_ISSUE, GITHUB_PULLS, GITHUB_STARGAZERS,
    GITHUB_COMMITS)}
