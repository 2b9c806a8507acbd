"""Bluesky: posts by many actors, replies forming threads, topic words for search."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from sandbox.data.bluesky_graph import SocialGraph
from sandbox.data.cache import EncodedCache, Memo, children_by_parent
from sandbox.det import base32_chars, mix, rng, skewed_index, tid, unit
from sandbox.responses import encode_json
from sandbox.text import ADJECTIVES, NOUNS, TOPICS, person_name, sentence
from sandbox.timefmt import DATASET_END, iso_millis

GAP_MS = 20_000
LANGS = (("en",), ("en",), ("en",), ("en",), ("ja",), ("de",), ("pt",), ("en", "es"))
CDN = "https://cdn.bsky.app/img"


class BlueskyData:
    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.base_count = size
        self.actor_count = max(30, size // 25)
        self.start_ms = int(DATASET_END * 1000) - size * GAP_MS
        self.times: list[int] = []
        self.authors: list[int] = []
        self.parents: list[int] = []
        self.topics: list[tuple[int, ...]] = []
        for index in range(size):
            self._append(index, None, None)
        self._indexes = Memo()
        self._encoded = EncodedCache()
        self.graph = SocialGraph(self)

    def _append(self, index: int, topic: int | None, author: int | None) -> None:
        seed = self.seed
        self.times.append(self.start_ms + index * GAP_MS + mix(seed, 1, index) % (GAP_MS // 2))
        self.authors.append(skewed_index(self.actor_count, seed, 2, index) if author is None else author)
        parent = -1
        if topic is None and index > 0 and unit(seed, 3, index) < 0.3:
            parent = index - 1 - mix(seed, 4, index) % min(index, 400)
        self.parents.append(parent)
        chosen = {skewed_index(len(TOPICS), seed, 5, index, k, power=1.3) for k in range(1 + mix(seed, 6, index) % 2)}
        if topic is not None:
            chosen.add(topic)
        self.topics.append(tuple(sorted(chosen)))

    @property
    def count(self) -> int:
        return len(self.times)

    def add(self, count: int, word: str | None = None, actor: str | None = None) -> list[str]:
        """Post `count` new posts now, optionally about a topic word or by an actor; returns uris."""
        topic = None
        if word is not None:
            if word.lower() not in TOPICS:
                raise ValueError(f"unknown word {word!r}; known: {list(TOPICS)}")
            topic = TOPICS.index(word.lower())
        author = None if actor is None else self.actor_index(actor)
        if actor is not None and author is None:
            raise ValueError(f"unknown actor {actor!r}")
        first = self.count
        for index in range(first, first + count):
            self._append(index, topic, author)
        self._indexes.clear()
        self._encoded.clear()
        self.graph.clear()
        return [self.uri(i) for i in range(first, first + count)]

    def drop_added(self) -> None:
        for column in (self.times, self.authors, self.parents, self.topics):
            del column[self.base_count:]
        self._indexes.clear()
        self._encoded.clear()
        self.graph.clear()


    # ---- identities -------------------------------------------------------------------
    def did(self, actor: int) -> str:
        return "did:plc:" + base32_chars(mix(self.seed, 20, actor), 24)

    def handle(self, actor: int) -> str:
        rand = rng(self.seed, 21, actor)
        return f"{rand.choice(ADJECTIVES)}-{rand.choice(NOUNS)}{actor}.bsky.social"

    def actor_index(self, actor: str) -> int | None:
        names = self._indexes.get("actors", lambda: {key: a for a in range(self.actor_count)
                                               for key in (self.did(a), self.handle(a))})
        return names.get(actor.lstrip("@").lower())

    def uri(self, index: int) -> str:
        rkey = tid(self.times[index] * 1000 + mix(self.seed, 7, index) % 1000, mix(self.seed, 8, index))
        return f"at://{self.did(self.authors[index])}/app.bsky.feed.post/{rkey}"

    def cid(self, index: int) -> str:
        return "bafyrei" + base32_chars(mix(self.seed, 9, index), 52)

    def index_of_uri(self, uri: str) -> int | None:
        return self._indexes.get("uris", lambda: {self.uri(i): i for i in range(self.count)}).get(uri)

    # ---- indexes --------------------------------------------------------------------------
    def by_topic(self, topic: int) -> list[int]:
        return self._indexes.get(("topic", topic), lambda: [i for i in range(self.count) if topic in self.topics[i]])

    def by_author(self, actor: int) -> list[int]:
        def build():
            found: dict[int, list[int]] = {}
            for index, author in enumerate(self.authors):
                found.setdefault(author, []).append(index)
            return found

        return self._indexes.get("by_author", build).get(actor, [])

    def children(self) -> dict[int, list[int]]:
        return self._indexes.get("children", lambda: children_by_parent(self.parents))

    def root(self, index: int) -> int:
        while self.parents[index] >= 0:
            index = self.parents[index]
        return index

    def older_than(self, positions: list[int], cutoff_ms: int) -> int:
        """How many of `positions` (ascending in time) are older than `cutoff_ms`."""
        return bisect_left([self.times[p] for p in positions], cutoff_ms)

    # ---- JSON -------------------------------------------------------------------------
    def profile_basic(self, actor: int) -> dict[str, Any]:
        did = self.did(actor)
        rand = rng(self.seed, 22, actor)
        return {"did": did, "handle": self.handle(actor), "displayName": person_name(rand),
                "avatar": f"{CDN}/avatar/plain/{did}/bafkrei{base32_chars(mix(actor, 1), 52)}@jpeg",
                "associated": {"chat": {"allowIncoming": "following"},
                               "activitySubscription": {"allowSubscriptions": "followers"}},
                "viewer": {"muted": False, "blockedBy": False}, "labels": [],
                "createdAt": iso_millis(self.start_ms - rand.randrange(1, 700) * 86_400_000)}

    def profile_view(self, actor: int) -> dict[str, Any]:
        """The profile as lists of actors show it: the basic one with description and indexedAt."""
        profile = self.profile_basic(actor)
        rand = rng(self.seed, 23, actor)
        profile.update({"description": sentence(rand, 8), "indexedAt": profile["createdAt"]})
        return profile

    def profile_detailed(self, actor: int) -> dict[str, Any]:
        profile = self.profile_view(actor)
        did = profile["did"]
        profile.update({
            "banner": f"{CDN}/banner/plain/{did}/bafkrei{base32_chars(mix(actor, 2), 52)}@jpeg",
            "followersCount": len(self.graph.followers(actor)), "followsCount": len(self.graph.follows(actor)),
            "postsCount": len(self.by_author(actor)),
            "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False,
                           "chat": {"allowIncoming": "following"}},
        })
        return profile

    def post_bytes(self, index: int) -> bytes:
        return self._encoded.get(index, lambda: encode_json(self.post_view(index)))

    def post_view(self, index: int) -> dict[str, Any]:
        rand = rng(self.seed, 24, index)
        words = tuple(TOPICS[t] for t in self.topics[index])
        text = sentence(rand, rand.randint(5, 18), words[:1])
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso_millis(self.times[index]),
                                  "langs": list(LANGS[mix(self.seed, 25, index) % len(LANGS)])}
        facets = []
        for word in words[1:]:
            start = len(text.encode("utf-8")) + 1
            text += f" #{word}"
            facets.append({"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": word}],
                           "index": {"byteEnd": start + len(word) + 1, "byteStart": start}})
        if facets:
            record["facets"] = facets
        parent = self.parents[index]
        if parent >= 0:
            root = self.root(index)
            record["reply"] = {"parent": {"cid": self.cid(parent), "uri": self.uri(parent)},
                               "root": {"cid": self.cid(root), "uri": self.uri(root)}}
        record["text"] = text
        view: dict[str, Any] = {"uri": self.uri(index), "cid": self.cid(index),
                                "author": self.profile_basic(self.authors[index]), "record": record}
        if mix(self.seed, 26, index) % 100 < 15:
            did = self.did(self.authors[index])
            blob = "bafkrei" + base32_chars(mix(self.seed, 28, index), 52)
            external = {"uri": f"https://news.example.org/{index}", "title": sentence(rand, 6),
                        "description": sentence(rand, 12)}
            record["embed"] = {"$type": "app.bsky.embed.external", "external": {
                **external, "thumb": {"$type": "blob", "ref": {"$link": blob}, "mimeType": "image/jpeg",
                                      "size": 20_000 + mix(index, 29) % 80_000}}}
            view["embed"] = {"$type": "app.bsky.embed.external#view", "external": {
                **external, "thumb": f"{CDN}/feed_thumbnail/plain/{did}/{blob}@jpeg"}}
        elif self.has_video(index):
            self._embed_video(index, record, view)
        view.update({
            "replyCount": len(self.children().get(index, ())), "repostCount": self.repost_count(index),
            "likeCount": self.like_count(index), "quoteCount": rand.randrange(0, 3),
            "indexedAt": iso_millis(self.times[index] + 250),
            "viewer": {"threadMuted": False, "embeddingDisabled": False, "pinned": False}, "labels": [],
        })
        return view

    def like_count(self, index: int) -> int:
        return int(10 ** (unit(self.seed, 27, index) * 3)) - 1

    def repost_count(self, index: int) -> int:
        return int(10 ** (unit(self.seed, 32, index) * 1.3)) - 1

    def has_embed(self, index: int) -> bool:
        return mix(self.seed, 26, index) % 100 < 15

    def has_video(self, index: int) -> bool:
        return 15 <= mix(self.seed, 26, index) % 100 < 20

    def _embed_video(self, index: int, record: dict, view: dict) -> None:
        did = self.did(self.authors[index])
        blob = "bafkrei" + base32_chars(mix(self.seed, 30, index), 52)
        ratio = {"height": 1080, "width": 1920} if mix(self.seed, 31, index) % 2 else {"height": 1920, "width": 1080}
        record["embed"] = {"$type": "app.bsky.embed.video", "aspectRatio": ratio, "video": {
            "$type": "blob", "ref": {"$link": blob}, "mimeType": "video/mp4",
            "size": 500_000 + mix(index, 29) % 9_000_000}}
        view["embed"] = {"$type": "app.bsky.embed.video#view", "cid": blob, "aspectRatio": ratio,
                         "playlist": f"https://video.bsky.app/watch/{did}/{blob}/playlist.m3u8",
                         "thumbnail": f"https://video.bsky.app/watch/{did}/{blob}/thumbnail.jpg"}
