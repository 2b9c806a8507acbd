"""GitHub's users and repositories as its API shows them inside other objects."""

from __future__ import annotations

from typing import Any

from sandbox.det import hex_chars, mix
from sandbox.timefmt import iso_seconds

API = "https://api.github.com"
WEB = "https://github.com"
LICENSE = {"key": "mit", "name": "MIT License", "spdx_id": "MIT", "url": f"{API}/licenses/mit",
           "node_id": "MDc6TGljZW5zZTEz"}
LANGUAGES = ("Python", "Rust", "Go", "TypeScript", "C", None)


def user_json(login: str, user_id: int) -> dict[str, Any]:
    return {
        "login": login, "id": user_id, "node_id": "MDQ6VXNlcj" + hex_chars(mix(user_id), 8),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4", "gravatar_id": "",
        "url": f"{API}/users/{login}", "html_url": f"{WEB}/{login}",
        "followers_url": f"{API}/users/{login}/followers",
        "following_url": f"{API}/users/{login}/following{{/other_user}}",
        "gists_url": f"{API}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{API}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{API}/users/{login}/subscriptions",
        "organizations_url": f"{API}/users/{login}/orgs", "repos_url": f"{API}/users/{login}/repos",
        "events_url": f"{API}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{API}/users/{login}/received_events", "type": "User",
        "user_view_type": "public", "site_admin": False,
    }


def reactions(url: str) -> dict[str, Any]:
    return {"url": f"{url}/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}


def repository_json(full_name: str, repository_id: int, owner: dict[str, Any], created: float,
                    pushed: float, stars: int, open_issues: int) -> dict[str, Any]:
    """The repository object GitHub nests in pull requests (head.repo, base.repo)."""
    url = f"{API}/repos/{full_name}"
    seed = mix(repository_id)
    templated = {
        "forks": "forks", "keys": "keys{/key_id}", "collaborators": "collaborators{/collaborator}",
        "teams": "teams", "hooks": "hooks", "issue_events": "issues/events{/number}", "events": "events",
        "assignees": "assignees{/user}", "branches": "branches{/branch}", "tags": "tags",
        "blobs": "git/blobs{/sha}", "git_tags": "git/tags{/sha}", "git_refs": "git/refs{/sha}",
        "trees": "git/trees{/sha}", "statuses": "statuses/{sha}", "languages": "languages",
        "stargazers": "stargazers", "contributors": "contributors", "subscribers": "subscribers",
        "subscription": "subscription", "commits": "commits{/sha}", "git_commits": "git/commits{/sha}",
        "comments": "comments{/number}", "issue_comment": "issues/comments{/number}",
        "contents": "contents/{+path}", "compare": "compare/{base}...{head}", "merges": "merges",
        "archive": "{archive_format}{/ref}", "downloads": "downloads", "issues": "issues{/number}",
        "pulls": "pulls{/number}", "milestones": "milestones{/number}",
        "notifications": "notifications{?since,all,participating}", "labels": "labels{/name}",
        "releases": "releases{/id}", "deployments": "deployments",
    }
    return {
        "id": repository_id, "node_id": "R_kgDO" + hex_chars(seed, 8), "name": full_name.split("/")[1],
        "full_name": full_name, "private": False, "owner": owner, "html_url": f"{WEB}/{full_name}",
        "description": f"{full_name.split('/')[1]}: tools and experiments", "fork": False, "url": url,
        **{f"{name}_url": f"{url}/{path}" for name, path in templated.items()},
        "created_at": iso_seconds(created), "updated_at": iso_seconds(pushed),
        "pushed_at": iso_seconds(pushed), "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git", "clone_url": f"{WEB}/{full_name}.git",
        "svn_url": f"{WEB}/{full_name}",
        "homepage": f"https://{full_name.split('/')[0]}.github.io/{full_name.split('/')[1]}/", "size": seed % 50_000,
        "stargazers_count": stars, "watchers_count": stars, "language": LANGUAGES[seed % len(LANGUAGES)],
        "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": False,
        "has_pages": False, "has_discussions": False, "forks_count": seed % 40, "mirror_url": None,
        "archived": False, "disabled": False, "open_issues_count": open_issues, "license": LICENSE,
        "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
        "topics": [], "visibility": "public", "forks": seed % 40, "open_issues": open_issues,
        "watchers": stars, "default_branch": "main",
    }
