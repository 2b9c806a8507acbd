"""GitHub: what happens around a repository's issues: their comments, the pull requests among
them, and the users who starred it. Commits are in github_commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from sandbox.data.cache import EncodedCache, Memo
from sandbox.data.github_commits import CommitHistory
from sandbox.data.github_repository import API, WEB, reactions, repository_json
from sandbox.det import hex_chars, mix, rng, text_key, unit
from sandbox.responses import encode_json
from sandbox.text import NOUNS, paragraph
from sandbox.timefmt import DATASET_END, iso_seconds

if TYPE_CHECKING:
    from sandbox.data.github import GithubData

ASSOCIATIONS = ("NONE", "NONE", "CONTRIBUTOR", "CONTRIBUTOR", "MEMBER", "OWNER")
BRANCH_KINDS = ("fix", "feature", "docs", "refactor", "patch")
MONTH = 30 * 86_400.0


class Comment(NamedTuple):
    created: float
    updated: float
    number: int
    index: int
    id: int


class PullSummary(NamedTuple):
    number: int
    created: str
    updated: str
    comments: int
    open: bool
    head: str
    base: str


class GithubActivity:
    def __init__(self, data: GithubData) -> None:
        self.data = data
        self.commits = CommitHistory(data)
        self._memo = Memo()
        self._encoded = EncodedCache(20_000)

    def clear(self) -> None:
        self._memo.clear()
        self._encoded.clear()

    @property
    def seed(self) -> int:
        return self.data.seed

    def comment_count(self, repo: str, number: int) -> int:
        return mix(self.seed, 9, text_key(repo), number) % 30

    def comments(self, repo: str) -> list[Comment]:
        """Every comment on the repository's issues, the earliest first."""
        count = self.data.issue_count(repo)
        return self._memo.get(("comments", repo, count), lambda: sorted(self._all_comments(repo, count)))

    def _all_comments(self, repo: str, count: int) -> list[Comment]:
        key = text_key(repo)
        found = []
        for number in range(1, count + 1):
            moment = self.data.created(repo, number)
            for index in range(self.comment_count(repo, number)):
                moment += 300 + mix(self.seed, 10, key, number, index) % 172_800
                edited = mix(self.seed, 11, key, number, index)
                updated = moment + edited % 7_200 if edited % 5 == 0 else moment
                found.append(Comment(moment, updated, number, index,
                                     3_000_000_000 + ((key % 100_000) * 100_000 + number) * 32 + index))
        return found

    def comment_bytes(self, repo: str, comment: Comment) -> bytes:
        return self._encoded.get(("comment", repo, comment.id),
                                 lambda: encode_json(self.comment_json(repo, comment)))

    def comment_json(self, repo: str, comment: Comment) -> dict[str, Any]:
        key = text_key(repo)
        rand = rng(self.seed, 12, key, comment.number, comment.index)
        issue_url = f"{API}/repos/{repo}/issues/{comment.number}"
        url = f"{API}/repos/{repo}/issues/comments/{comment.id}"
        return {
            "url": url, "html_url": f"{WEB}/{repo}/issues/{comment.number}#issuecomment-{comment.id}",
            "issue_url": issue_url, "id": comment.id, "node_id": "IC_kwDO" + hex_chars(mix(comment.id), 16),
            "user": self.data.user(mix(self.seed, 13, key, comment.number, comment.index) % 5000),
            "created_at": iso_seconds(comment.created), "updated_at": iso_seconds(comment.updated),
            "author_association": rand.choice(ASSOCIATIONS), "body": paragraph(rand, rand.randint(1, 4)),
            "reactions": reactions(url), "performed_via_github_app": None,
        }

    def stargazer_count(self, repo: str) -> int:
        return int(unit(self.seed, 14, text_key(repo)) * max(10, self.data.size // 10) * 2)

    def stargazer_bytes(self, repo: str, index: int) -> bytes:
        """The index-th user to star the repository (0: the first); distinct users."""
        login_seed = (mix(self.seed, 15, text_key(repo)) + index * 7919) % 200_000
        return self._encoded.get(("star", login_seed), lambda: encode_json(self.data.user(login_seed)))

    def stargazer_id(self, repo: str, index: int) -> int:
        return 10_000 + (mix(self.seed, 15, text_key(repo)) + index * 7919) % 200_000

    def pulls(self, repo: str) -> list[PullSummary]:
        """The repository's pull requests (the issues carrying `pull_request`), by number."""
        count = self.data.issue_count(repo)
        return self._memo.get(("pulls", repo, count), lambda: [
            self._summary(repo, number) for number in range(1, count + 1) if self.data.is_pull(repo, number)])

    def _summary(self, repo: str, number: int) -> PullSummary:
        issue = self.data.issue_json(repo, number)
        head, base = self._branches(repo, number)
        return PullSummary(number, issue["created_at"], issue["updated_at"], issue["comments"],
                           issue["state"] == "open", f"{repo.split('/')[0]}:{head}", base)

    def _branches(self, repo: str, number: int) -> tuple[str, str]:
        choice = mix(self.seed, 16, text_key(repo), number)
        head = f"{BRANCH_KINDS[choice % 5]}-{NOUNS[choice // 5 % len(NOUNS)]}-{number}"
        return head, "develop" if choice % 6 == 0 else "main"

    def pull_id(self, repo: str, number: int) -> int:
        return 2_000_000_000 + (text_key(repo) % 1_000_000) * 10_000 + number

    def pull_bytes(self, repo: str, number: int) -> bytes:
        return self._encoded.get(("pull", repo, number), lambda: encode_json(self.pull_json(repo, number)))

    def pull_json(self, repo: str, number: int) -> dict[str, Any]:
        issue = self.data.issue_json(repo, number)
        key = text_key(repo)
        pull_id = self.pull_id(repo, number)
        url = f"{API}/repos/{repo}/pulls/{number}"
        issue_url = f"{API}/repos/{repo}/issues/{number}"
        head_sha = hex_chars(mix(self.seed, 17, key, number), 40)
        head_ref, base_ref = self._branches(repo, number)
        owner = self.data.owner(repo)
        repository = self.repository(repo)
        links = {"self": url, "html": f"{WEB}/{repo}/pull/{number}", "issue": issue_url,
                 "comments": f"{issue_url}/comments", "review_comments": f"{url}/comments",
                 "review_comment": f"{API}/repos/{repo}/pulls/comments{{/number}}", "commits": f"{url}/commits",
                 "statuses": f"{API}/repos/{repo}/statuses/{head_sha}"}
        return {
            "url": url, "id": pull_id, "node_id": "PR_kwDO" + hex_chars(mix(pull_id), 16),
            "html_url": links["html"], "diff_url": f"{links['html']}.diff", "patch_url": f"{links['html']}.patch",
            "issue_url": issue_url, "number": number, "state": issue["state"], "locked": False,
            "title": issue["title"], "user": issue["user"], "body": issue["body"],
            "created_at": issue["created_at"], "updated_at": issue["updated_at"],
            "closed_at": issue["closed_at"], "merged_at": issue["pull_request"]["merged_at"],
            "merge_commit_sha": hex_chars(mix(self.seed, 18, key, number), 40), "assignee": None,
            "assignees": [], "requested_reviewers": [], "requested_teams": [], "labels": issue["labels"],
            "milestone": None, "draft": False, "commits_url": links["commits"],
            "review_comments_url": links["review_comments"], "review_comment_url": links["review_comment"],
            "comments_url": links["comments"], "statuses_url": links["statuses"],
            "head": {"label": f"{owner['login']}:{head_ref}", "ref": head_ref, "sha": head_sha,
                     "user": owner, "repo": repository},
            "base": {"label": f"{owner['login']}:{base_ref}", "ref": base_ref,
                     "sha": hex_chars(mix(self.seed, 19, key, number), 40), "user": owner, "repo": repository},
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": issue["author_association"], "auto_merge": None, "active_lock_reason": None,
        }

    def repository(self, repo: str) -> dict[str, Any]:
        data = self.data
        open_issues = sum(1 for n in range(1, data.issue_count(repo) + 1) if not data.is_closed(repo, n))
        return repository_json(repo, data.repository_id(repo), data.owner(repo),
                               data.created(repo, 1) - MONTH, DATASET_END, self.stargazer_count(repo), open_issues)
