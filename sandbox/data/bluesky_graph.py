"""Bluesky's social side: who follows whom, who liked and reposted which post, the feed
generators and lists, and the account every token reads its home timeline as.

Follows carry a record key (TID) made from their time. A liker or reposter is never the post's
author. A few actors are taken down: their likes still occupy their place in the list the
AppView pages through, but are left out of the page.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from sandbox.data.cache import Memo
from sandbox.det import mix, skewed_index, tid
from sandbox.text import TOPICS
from sandbox.timefmt import DATASET_END

if TYPE_CHECKING:
    from sandbox.data.bluesky import BlueskyData

DAY_MS = 86_400_000
LIST_COUNT = 8
TAKEN_DOWN_PERCENT = 4


class SocialGraph:
    def __init__(self, data: "BlueskyData") -> None:
        self.data = data
        self.seed = data.seed
        self.memo = Memo()

    def clear(self) -> None:
        self.memo.clear()

    @property
    def viewer(self) -> int:
        """The account a token reads the home timeline as."""
        return self.data.actor_count // 2

    # ---- follows ------------------------------------------------------------------------
    def _follow_edges(self) -> list[tuple[str, int, int]]:
        """(record key, follower, followed) of every follow, newest first."""
        def build():
            count, seed, edges = self.data.actor_count, self.seed, []
            for follower in range(count):
                wanted = min(count - 1, 3 + mix(seed, 40, follower) % 30)
                chosen: list[int] = []
                for k in range(wanted * 4):
                    target = skewed_index(count, seed, 41, follower, k, power=1.5)
                    if target != follower and target not in chosen:
                        chosen.append(target)
                    if len(chosen) == wanted:
                        break
                for target in chosen:
                    at_ms = self.data.start_ms - mix(seed, 42, follower, target) % (400 * DAY_MS)
                    rkey = tid(at_ms * 1000 + mix(seed, 43, follower, target) % 1000, mix(seed, 44, follower, target))
                    edges.append((rkey, follower, target))
            return sorted(edges, reverse=True)

        return self.memo.get("follows", build)

    def follows(self, actor: int) -> list[tuple[str, int]]:
        """(record key, followed actor) of the actor's follows, newest first."""
        return self.memo.get(("follows", actor), lambda: [
            (rkey, target) for rkey, follower, target in self._follow_edges() if follower == actor])

    def followers(self, actor: int) -> list[tuple[str, int]]:
        """(record key, follower) of the actor's followers, newest first."""
        return self.memo.get(("followers", actor), lambda: [
            (rkey, follower) for rkey, follower, target in self._follow_edges() if target == actor])

    # ---- likes and reposts --------------------------------------------------------------
    def _others(self, index: int, wanted: int, salt: int) -> list[int]:
        count, author, chosen = self.data.actor_count, self.data.authors[index], []
        wanted = min(wanted, count - 1)
        k = 0
        while len(chosen) < wanted:
            actor = mix(self.seed, salt, index, k) % count
            if actor != author and actor not in chosen:
                chosen.append(actor)
            k += 1
        return chosen

    def _after(self, index: int, longest_ms: int) -> tuple[int, int]:
        """The first moment a post can be liked or reposted and how long after it, at most
        `longest_ms` and never past the end of the data set (or a second, for posts added later)."""
        first = self.data.times[index] + 1000
        return first, max(1000, min(longest_ms, int(DATASET_END * 1000) - first))

    def _reactions(self, index: int, count: int, salt: int, longest_ms: int) -> list[tuple[int, int]]:
        """(time in ms, actor) of `count` actors' reactions to a post, newest first; no two at
        the same millisecond, since a time is the cursor that pages through them."""
        posted, span = self._after(index, longest_ms)
        found = sorted(((posted + mix(self.seed, salt, index, a) % span, a)
                        for a in self._others(index, count, salt)), reverse=True)
        for position in range(1, len(found)):
            if found[position][0] >= found[position - 1][0]:
                found[position] = (found[position - 1][0] - 1, found[position][1])
        return found

    def likes(self, index: int) -> list[tuple[int, int]]:
        """(time in ms, liker) of a post's likes, newest first."""
        return self.memo.get(("likes", index),
                             lambda: self._reactions(index, self.data.like_count(index), 35, 30 * DAY_MS))

    def taken_down(self, actor: int) -> bool:
        return mix(self.seed, 37, actor) % 100 < TAKEN_DOWN_PERCENT

    def reposts(self, index: int) -> list[tuple[int, int]]:
        """(time in ms, reposter) of a post's reposts, newest first."""
        return self.memo.get(("reposts", index),
                             lambda: self._reactions(index, self.data.repost_count(index), 33, 2 * DAY_MS))

    # ---- the home timeline --------------------------------------------------------------
    def timeline(self) -> list[tuple[int, int, int | None]]:
        """(time in ms, post, reposter or None) of the viewer's timeline, newest first: the
        posts of the viewer and of the actors it follows, and their reposts."""
        def build():
            data = self.data
            followed = {target for _, target in self.follows(self.viewer)}
            entries = [(data.times[i], i, None) for author in followed | {self.viewer} for i in data.by_author(author)]
            for index in range(data.count):
                entries.extend((at, index, by) for at, by in self.reposts(index) if by in followed)
            return sorted(entries, key=lambda entry: entry[0], reverse=True)

        return self.memo.get("timeline", build)

    # ---- feed generators and lists ------------------------------------------------------
    def feed_uri(self, topic: int) -> str:
        creator = mix(self.seed, 38, topic) % self.data.actor_count
        return f"at://{self.data.did(creator)}/app.bsky.feed.generator/{TOPICS[topic]}"

    def feed_topic(self, uri: str) -> int | None:
        return self.memo.get("feeds", lambda: {self.feed_uri(t): t for t in range(len(TOPICS))}).get(uri)

    def feed_cursor(self, uri: str, post_uri: str) -> str:
        digest = hashlib.blake2b(f"{uri} {post_uri}".encode(), digest_size=32, key=b"feedgen").digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=") + "+" + post_uri

    def list_uri(self, number: int) -> str:
        owner = mix(self.seed, 39, number) % self.data.actor_count
        rkey = tid((self.data.start_ms - mix(self.seed, 46, number) % (300 * DAY_MS)) * 1000, number)
        return f"at://{self.data.did(owner)}/app.bsky.graph.list/{rkey}"

    def list_number(self, uri: str) -> int | None:
        return self.memo.get("lists", lambda: {self.list_uri(n): n for n in range(LIST_COUNT)}).get(uri)

    def list_members(self, number: int) -> list[int]:
        count = self.data.actor_count
        wanted = 4 + mix(self.seed, 47, number) % 12
        return sorted({mix(self.seed, 45, number, k) % count for k in range(wanted)})
