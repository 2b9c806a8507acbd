"""Named rest definitions shipped with the workbench: plain data, used as `preset="<name>"`."""

from __future__ import annotations

GITHUB_ISSUES = {
    "name": "github_issues",
    "base_url": "https://api.github.com",
    "path": "/repos/{owner}/{repo}/issues",
    "arguments": {
        "owner": {"type": "str", "help": "owner of the repository, e.g. 'psf'"},
        "repo": {"type": "str", "help": "name of the repository, e.g. 'requests'"},
        "state": {"type": "str", "default": "open", "choices": ["open", "closed", "all"],
                  "help": "which issues to list"},
    },
    "query": {"sort": "created", "direction": "desc"},
    "headers": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
    "page_size": {"param": "per_page", "max": 100},
    "paginator": {"type": "link_header"},
    "records_path": None,
    "id_fields": ["id"],
    "key_scope": "host",
    "created_at_field": "created_at",
    "order": "newest_first",
    "auth": {"header": "Authorization", "format": "Bearer {secret}"},
    "rate_limit": {"limit": "x-ratelimit-limit", "remaining": "x-ratelimit-remaining",
                   "reset": "x-ratelimit-reset", "reset_kind": "epoch", "window": 3600},
    "known_limit": {"requests": 60, "requests_with_credential": 5000, "window": 3600,
                    "per": ["host", "credential"]},
    "incremental": {"field": "updated_at", "param": "since"},
    "group": "core",
}

PRESETS: dict[str, dict] = {"github_issues": GITHUB_ISSUES}
