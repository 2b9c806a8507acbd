"""GitHub: the issues (and pull requests) of any repository, numbered from 1, and its users;
comments, pull requests, stargazers and commits are in github_activity, repositories in
github_repository."""

from __future__ import annotations

from typing import Any

from sandbox.data.cache import EncodedCache
from sandbox.data.github_activity import GithubActivity
from sandbox.data.github_repository import API, WEB, reactions, user_json
from sandbox.det import hex_chars, mix, rng, text_key, unit
from sandbox.responses import encode_json
from sandbox.text import handle, paragraph, title
from sandbox.timefmt import DATASET_END, iso_seconds

LABELS = ("bug", "enhancement", "documentation", "question", "good first issue", "help wanted")


class GithubData:
    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.added: dict[str, int] = {}
        self._encoded = EncodedCache(20_000)
        self._repositories: dict[int, str] = {}
        self.activity = GithubActivity(self)

    def base_issue_count(self, repo: str) -> int:
        """How many issues a repository starts with: 0 to about size/10, deterministic per name."""
        return int(unit(self.seed, 1, text_key(repo)) * max(10, self.size // 10))

    def issue_count(self, repo: str) -> int:
        return self.base_issue_count(repo) + self.added.get(repo, 0)

    def add(self, count: int, repo: str = "octocat/hello-world") -> list[int]:
        """Open `count` new issues in `repo` now; returns their numbers."""
        if repo.count("/") != 1:
            raise ValueError("repo must be owner/name")
        first = self.issue_count(repo) + 1
        self.added[repo] = self.added.get(repo, 0) + count
        return list(range(first, first + count))

    def drop_added(self) -> None:
        self.added.clear()
        self._encoded.clear()
        self.activity.clear()

    def repository_id(self, repo: str) -> int:
        """The repository's numeric id, as in /repositories/<id>; remembered to be found back."""
        repository_id = 10_000_000 + text_key(repo) % 890_000_000
        self._repositories[repository_id] = repo
        return repository_id

    def repository_name(self, repository_id: int) -> str | None:
        """owner/name of a repository id given out before, else None."""
        return self._repositories.get(repository_id)

    def created(self, repo: str, number: int) -> float:
        key = text_key(repo)
        base = self.base_issue_count(repo)
        return DATASET_END - (base + 1 - number) * 21_600 + mix(self.seed, 2, key, number) % 10_000

    def is_closed(self, repo: str, number: int) -> bool:
        return number <= self.base_issue_count(repo) and unit(self.seed, 3, text_key(repo), number) < 0.6

    def issue_id(self, repo: str, number: int) -> int:
        return 1_000_000_000 + (text_key(repo) % 1_000_000) * 10_000 + number

    def issue_bytes(self, repo: str, number: int) -> bytes:
        return self._encoded.get((repo, number), lambda: encode_json(self.issue_json(repo, number)))

    def user(self, login_seed: int) -> dict[str, Any]:
        """One of the site's users, the same for the same seed."""
        login = handle(rng(self.seed, 4, login_seed), login_seed).replace("_", "-")
        return user_json(login, 10_000 + login_seed)

    def owner(self, repo: str) -> dict[str, Any]:
        login = repo.split("/")[0]
        return user_json(login, 10_000_000 + text_key(login) % 90_000_000)

    def is_pull(self, repo: str, number: int) -> bool:
        return mix(self.seed, 8, text_key(repo), number) % 5 == 0

    def issue_json(self, repo: str, number: int) -> dict[str, Any]:
        """The issue as the issues list shows it; a pull request's carries `pull_request`."""
        key = text_key(repo)
        rand = rng(self.seed, 5, key, number)
        issue_id = self.issue_id(repo, number)
        closed = self.is_closed(repo, number)
        created = self.created(repo, number)
        updated = created + rand.randrange(0, 500_000)
        repo_url = f"{API}/repos/{repo}"
        url = f"{repo_url}/issues/{number}"
        labels = [{"id": 5000 + i, "node_id": "LA_kwDO" + hex_chars(mix(key, i), 10), "url": f"{repo_url}/labels/{name}",
                   "name": name, "color": hex_chars(mix(i), 6), "default": i < 3, "description": ""}
                  for i, name in enumerate(LABELS) if mix(self.seed, 6, key, number, i) % 5 == 0]
        issue: dict[str, Any] = {
            "url": url, "repository_url": repo_url, "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": f"{WEB}/{repo}/issues/{number}", "id": issue_id,
            "node_id": "I_kwDO" + hex_chars(mix(issue_id), 14), "number": number,
            "title": title(rand), "user": self.user(mix(self.seed, 7, key, number) % 5000),
            "labels": labels, "state": "closed" if closed else "open", "locked": False,
            "assignee": None, "assignees": [], "milestone": None, "comments": self.activity.comment_count(repo, number),
            "created_at": iso_seconds(created), "updated_at": iso_seconds(updated),
            "closed_at": iso_seconds(updated) if closed else None, "author_association": "NONE",
            "type": None, "active_lock_reason": None, "sub_issues_summary": {"total": 0, "completed": 0,
                                                                            "percent_completed": 0},
            "body": paragraph(rand, rand.randint(1, 5)), "closed_by": None,
            "reactions": reactions(url),
            "timeline_url": f"{url}/timeline", "performed_via_github_app": None,
            "state_reason": "completed" if closed else None,
        }
        if self.is_pull(repo, number):
            issue["draft"] = False
            issue["pull_request"] = {"url": f"{repo_url}/pulls/{number}", "html_url": f"{WEB}/{repo}/pull/{number}",
                                     "diff_url": f"{WEB}/{repo}/pull/{number}.diff",
                                     "patch_url": f"{WEB}/{repo}/pull/{number}.patch",
                                     "merged_at": iso_seconds(updated) if closed else None}
        return issue
