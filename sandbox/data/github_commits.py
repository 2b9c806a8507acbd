"""GitHub: a repository's history, one line of commits on its default branch `main`, numbered
from 0 (the root). Committer dates rise with the number; an author date can be older (a
rebased commit); some commits were committed by GitHub's web-flow on their author's behalf."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from sandbox.data.cache import EncodedCache, Memo
from sandbox.data.github_repository import API, WEB, user_json
from sandbox.det import hex_chars, mix, rng, text_key, unit
from sandbox.responses import encode_json
from sandbox.text import person_name, title
from sandbox.timefmt import DATASET_END, iso_seconds

if TYPE_CHECKING:
    from sandbox.data.github import GithubData

FILES = ("README.md", "pyproject.toml", "docs/index.md", "docs/usage.md", "src/core.py", "src/cli.py",
         "src/util/text.py", "src/util/io.py", "tests/test_core.py", ".github/workflows/ci.yml")
WEB_FLOW = user_json("web-flow", 19864447)
STEP = 9_000


class Signature(NamedTuple):
    name: str
    email: str
    user: dict[str, Any] | None


class CommitHistory:
    def __init__(self, data: GithubData) -> None:
        self.data = data
        self._memo = Memo()
        self._encoded = EncodedCache(20_000)

    def count(self, repo: str) -> int:
        return 1 + int(unit(self.data.seed, 20, text_key(repo)) * max(10, self.data.size // 10) * 2)

    def sha(self, repo: str, index: int) -> str:
        return hex_chars(mix(self.data.seed, 21, text_key(repo), index), 40)

    def committed(self, repo: str, index: int) -> float:
        jitter = mix(self.data.seed, 22, text_key(repo), index) % (STEP // 3)
        return DATASET_END - (self.count(repo) - index) * STEP + jitter

    def authored(self, repo: str, index: int) -> float:
        delay = mix(self.data.seed, 23, text_key(repo), index)
        return self.committed(repo, index) - (delay % 864_000 if delay % 4 == 0 else 0)

    def files(self, repo: str, index: int) -> set[str]:
        choice = mix(self.data.seed, 24, text_key(repo), index)
        return {FILES[(choice >> (8 * k)) % len(FILES)] for k in range(1 + choice % 3)}

    def author(self, repo: str, index: int) -> Signature:
        """One of the repository's 3 to 12 contributors; one in ten wrote from an unlinked address."""
        key = text_key(repo)
        choice = mix(self.data.seed, 25, key, index)
        contributor = choice % (3 + key % 10)
        name = person_name(rng(self.data.seed, 26, key, contributor))
        if choice % 10 == 0:
            return Signature(name, f"{name.split()[0].lower()}@example.org", None)
        user = self.data.user(mix(self.data.seed, 27, key, contributor) % 200_000)
        return Signature(name, f"{user['id']}+{user['login']}@users.noreply.github.com", user)

    def committer(self, repo: str, index: int) -> Signature:
        if mix(self.data.seed, 28, text_key(repo), index) % 10 < 3:
            return Signature("GitHub", "noreply@github.com", WEB_FLOW)
        return self.author(repo, index)

    def index_of(self, repo: str, ref: str) -> int | None:
        """The commit a branch name (`main`, `HEAD`) or a full or abbreviated SHA names."""
        if ref in ("main", "HEAD"):
            return self.count(repo) - 1
        if len(ref) < 7:
            return None
        shas = self._memo.get(("shas", repo), lambda: [self.sha(repo, k) for k in range(self.count(repo))])
        return next((k for k, sha in enumerate(shas) if sha.startswith(ref.lower())), None)

    def listed(self, repo: str, start: int, path: str | None, author: str | None,
               since: float | None, until: float | None) -> list[int]:
        """The commits from `start` back to the root, newest first, that pass the filters."""
        found = []
        for index in range(start, -1, -1):
            moment = self.committed(repo, index)
            if (since is not None and moment < since) or (until is not None and moment > until):
                continue
            if path and not any(f == path.strip("/") or f.startswith(path.strip("/") + "/")
                                for f in self.files(repo, index)):
                continue
            if author:
                signature = self.author(repo, index)
                if author.lower() not in (signature.email.lower(),
                                          (signature.user or {}).get("login", "").lower()):
                    continue
            found.append(index)
        return found

    def commit_bytes(self, repo: str, index: int) -> bytes:
        return self._encoded.get((repo, index), lambda: encode_json(self.commit_json(repo, index)))

    def commit_json(self, repo: str, index: int) -> dict[str, Any]:
        sha = self.sha(repo, index)
        author, committer = self.author(repo, index), self.committer(repo, index)
        repo_url = f"{API}/repos/{repo}"
        signed = committer.user is WEB_FLOW
        verification = {"verified": signed, "reason": "valid" if signed else "unsigned",
                        "signature": f"-----BEGIN PGP SIGNATURE-----\n{hex_chars(mix(text_key(sha), 8), 64)}\n"
                                     "-----END PGP SIGNATURE-----\n" if signed else None,
                        "payload": f"tree {hex_chars(mix(text_key(sha), 7), 40)}\n" if signed else None,
                        "verified_at": iso_seconds(self.committed(repo, index)) if signed else None}
        parents = [] if index == 0 else [self.sha(repo, index - 1)]
        return {
            "sha": sha, "node_id": "C_kwDO" + hex_chars(mix(index, text_key(sha)), 40),
            "commit": {
                "author": {"name": author.name, "email": author.email,
                           "date": iso_seconds(self.authored(repo, index))},
                "committer": {"name": committer.name, "email": committer.email,
                              "date": iso_seconds(self.committed(repo, index))},
                "message": title(rng(self.data.seed, 29, text_key(repo), index)),
                "tree": {"sha": hex_chars(mix(text_key(sha), 7), 40),
                         "url": f"{repo_url}/git/trees/{hex_chars(mix(text_key(sha), 7), 40)}"},
                "url": f"{repo_url}/git/commits/{sha}", "comment_count": 0, "verification": verification,
            },
            "url": f"{repo_url}/commits/{sha}", "html_url": f"{WEB}/{repo}/commit/{sha}",
            "comments_url": f"{repo_url}/commits/{sha}/comments", "author": author.user,
            "committer": committer.user,
            "parents": [{"sha": p, "url": f"{repo_url}/commits/{p}", "html_url": f"{WEB}/{repo}/commit/{p}"}
                        for p in parents],
        }
