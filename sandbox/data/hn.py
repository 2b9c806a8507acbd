"""Hacker News: stories, jobs and their comment trees as numbered items, and their authors."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from sandbox.data.cache import EncodedCache, Memo
from sandbox.det import mix, rng, skewed_index, unit
from sandbox.responses import encode_json
from sandbox.text import handle, paragraph, title
from sandbox.timefmt import DATASET_END

FIRST_ID = 40_000_000
STORY_GAP = 120
KIND_STORY, KIND_ASK, KIND_SHOW, KIND_JOB = range(4)


class HackerNewsData:
    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.story_count = max(50, size // 4)
        self.user_count = max(30, size // 25)
        self.start = int(DATASET_END) - self.story_count * STORY_GAP
        self.kinds: list[int] = []
        self.comment_counts: list[int] = []
        self.starts: list[int] = [FIRST_ID]
        for story in range(self.story_count):
            self._append(story, with_comments=True)
        self.base_stories = self.story_count
        self._trees: dict[int, dict[str, list]] = {}
        self._indexes = Memo()
        self._encoded = EncodedCache()

    def _append(self, story: int, with_comments: bool) -> None:
        draw = unit(self.seed, 1, story)
        kind = KIND_JOB if draw < 0.03 else KIND_ASK if draw < 0.12 else KIND_SHOW if draw < 0.2 else KIND_STORY
        if not with_comments:
            kind = KIND_STORY
        self.kinds.append(kind)
        comments = 0 if kind == KIND_JOB or not with_comments else int(unit(self.seed, 2, story) ** 2.5 * 45)
        self.comment_counts.append(comments)
        self.starts.append(self.starts[-1] + 1 + comments)

    @property
    def max_item(self) -> int:
        return self.starts[-1] - 1

    def add(self, count: int) -> list[int]:
        """Submit `count` new stories now (no comments yet); returns their ids."""
        first = len(self.kinds)
        for story in range(first, first + count):
            self._append(story, with_comments=False)
        self.story_count = len(self.kinds)
        self._indexes.clear()
        return [self.starts[s] for s in range(first, first + count)]

    def drop_added(self) -> None:
        del self.kinds[self.base_stories:]
        del self.comment_counts[self.base_stories:]
        del self.starts[self.base_stories + 1:]
        self.story_count = self.base_stories
        self._indexes.clear()
        self._encoded.clear()


    # ---- structure ----------------------------------------------------------------------
    def locate(self, item_id: int) -> tuple[int, int] | None:
        """(story, k): k = -1 for the story itself, else the comment's number within it."""
        if not FIRST_ID <= item_id <= self.max_item:
            return None
        story = bisect_right(self.starts, item_id) - 1
        return story, item_id - self.starts[story] - 1

    def story_time(self, story: int) -> int:
        return self.start + story * STORY_GAP + mix(self.seed, 3, story) % (STORY_GAP // 2)

    def tree(self, story: int) -> dict[str, list]:
        found = self._trees.get(story)
        if found is None:
            if len(self._trees) > 5_000:
                self._trees.clear()
            parents, top = [], []
            children: list[list[int]] = [[] for _ in range(self.comment_counts[story])]
            for k in range(self.comment_counts[story]):
                parent = -1
                if k > 0 and unit(self.seed, 4, story, k) > 0.4:
                    parent = k - 1 - mix(self.seed, 5, story, k) % min(k, 5)
                parents.append(parent)
                (top if parent < 0 else children[parent]).append(k)
            found = {"parents": parents, "children": children, "top": top}
            self._trees[story] = found
        return found

    def author(self, item_id: int) -> int:
        return skewed_index(self.user_count, self.seed, 6, item_id)

    def username(self, user: int) -> str:
        return handle(rng(self.seed, 7, user), user)

    def user_index(self, name: str) -> int | None:
        return self._indexes.get("users", lambda: {self.username(u): u for u in range(self.user_count)}).get(name)

    def score(self, story: int) -> int:
        return int(10 ** (unit(self.seed, 8, story) * 3.2))

    # ---- lists --------------------------------------------------------------------------
    def story_list(self, name: str) -> list[int]:
        return self._indexes.get(("list", name), lambda: self._build_list(name))

    def _build_list(self, name: str) -> list[int]:
        stories = range(len(self.kinds) - 1, -1, -1)
        wanted = {"ask": KIND_ASK, "show": KIND_SHOW, "job": KIND_JOB}.get(name)
        if wanted is not None:
            return [self.starts[s] for s in stories if self.kinds[s] == wanted][:200]
        candidates = [s for s in stories if self.kinds[s] != KIND_JOB]
        if name == "new":
            chosen = candidates[:500]
        elif name == "best":
            chosen = sorted(candidates, key=lambda s: (-self.score(s), -s))[:500]
        else:
            newest = self.story_time(len(self.kinds) - 1)
            recent = candidates[:2000]
            chosen = sorted(recent, key=lambda s: -(self.score(s) - 1) / ((newest - self.story_time(s)) / 3600 + 2) ** 1.8)[:500]
        return [self.starts[s] for s in chosen]

    def user_submissions(self, user: int) -> list[int]:
        def build():
            found: dict[int, list[int]] = {}
            for item_id in range(self.max_item, FIRST_ID - 1, -1):
                found.setdefault(self.author(item_id), []).append(item_id)
            return found

        return self._indexes.get("submissions", build).get(user, [])

    # ---- JSON ---------------------------------------------------------------------------
    def item_bytes(self, item_id: int) -> bytes:
        return self._encoded.get(item_id, lambda: encode_json(self.item_json(item_id)))

    def item_json(self, item_id: int) -> dict[str, Any] | None:
        where = self.locate(item_id)
        if where is None:
            return None
        story, k = where
        rand = rng(self.seed, 9, item_id)
        by = self.username(self.author(item_id))
        if k < 0:
            return self._story_json(story, item_id, by, rand)
        tree = self.tree(story)
        parent = self.starts[story] if tree["parents"][k] < 0 else self.starts[story] + 1 + tree["parents"][k]
        time = self.story_time(story) + 90 * (k + 1) + rand.randrange(0, 90)
        kids = [self.starts[story] + 1 + c for c in tree["children"][k]]
        fate = mix(self.seed, 10, item_id) % 100
        if fate < 2:
            item = {"deleted": True, "id": item_id, "parent": parent, "time": time, "type": "comment"}
        else:
            item = {"by": by, "id": item_id, "parent": parent, "text": paragraph(rand, rand.randint(1, 4)),
                    "time": time, "type": "comment"}
            if fate < 4:
                item["dead"] = True
        if kids:
            item["kids"] = kids
        return dict(sorted(item.items()))

    def _story_json(self, story: int, item_id: int, by: str, rand) -> dict[str, Any]:
        kind = self.kinds[story]
        tree = self.tree(story)
        item: dict[str, Any] = {"by": by, "id": item_id, "score": self.score(story),
                                "time": self.story_time(story), "type": "job" if kind == KIND_JOB else "story"}
        heading = title(rand)
        if kind == KIND_ASK:
            item["title"] = "Ask HN: " + heading + "?"
            item["text"] = paragraph(rand, 2)
        elif kind == KIND_SHOW:
            item["title"] = "Show HN: " + heading
            item["url"] = f"https://{heading.split()[0].lower()}.example.com/"
        elif kind == KIND_JOB:
            item["title"] = f"{heading} (YC W{20 + story % 6}) is hiring"
            item["url"] = f"https://jobs.example.com/{item_id}"
        else:
            item["title"] = heading
            item["url"] = f"https://news.example.org/{item_id}/{'-'.join(heading.lower().split()[:5])}"
        if kind != KIND_JOB:
            item["descendants"] = self.comment_counts[story]
            if tree["top"]:
                item["kids"] = [self.starts[story] + 1 + c for c in tree["top"]]
        return dict(sorted(item.items()))

    def user_json(self, user: int) -> dict[str, Any]:
        rand = rng(self.seed, 11, user)
        record = {"created": self.start - rand.randrange(86_400, 86_400 * 4000), "id": self.username(user),
                  "karma": rand.randrange(1, 60_000), "submitted": self.user_submissions(user)}
        if rand.random() < 0.4:
            record["about"] = paragraph(rand, 1)
        return dict(sorted(record.items()))
