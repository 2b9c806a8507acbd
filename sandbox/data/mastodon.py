"""Mastodon: statuses of one instance and the accounts that wrote them."""

from __future__ import annotations

from typing import Any

from sandbox.data.cache import EncodedCache, Memo, children_by_parent
from sandbox.data.mastodon_graph import SocialGraph
from sandbox.det import mix, rng, skewed_index, unit
from sandbox.responses import encode_json
from sandbox.text import FILLER, paragraph, person_name
from sandbox.timefmt import DATASET_END, iso_millis

DOMAIN = "mastodon.sandbox.example"
REMOTE_DOMAINS = ("fosstodon.example", "hachyderm.example", "social.example", "chaos.example")
TAGS = ("python", "fediverse", "photography", "news", "opensource", "linux", "science", "music",
        "art", "datascience", "rust", "books", "caturday", "gaming", "climate", "hoot")
LANGUAGES = ("en", "en", "en", "en", "de", "ja", "fr", "es")
APPLICATIONS = ({"name": "Tusky", "website": "https://tusky.app"},
                {"name": "Ivory for Mastodon by Tapbots", "website": "https://tapbots.com/ivory/"},
                {"name": "Elk", "website": "https://elk.zone"})
GAP_MS = 30_000
SALT_TIME, SALT_ID, SALT_AUTHOR, SALT_TAGS, SALT_REPLY, SALT_PARENT, SALT_FLAGS = range(1, 8)
FLAG_MEDIA, FLAG_UNLISTED, FLAG_EDITED, FLAG_SENSITIVE = 1, 2, 4, 8


class MastodonData:
    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.base_count = size
        self.account_count = max(20, size // 40)
        self.start_ms = int(DATASET_END * 1000) - size * GAP_MS
        self.account_base = (self.start_ms - 400 * 86_400_000) << 16
        self.ids: list[int] = []
        self.authors: list[int] = []
        self.parents: list[int] = []
        self.tags: list[tuple[int, ...]] = []
        self.flags: list[int] = []
        for index in range(size):
            self._append(index, None)
        self._indexes = Memo()
        self._encoded = EncodedCache()

    # ---- generation -------------------------------------------------------------------
    def _append(self, index: int, forced_tag: int | None) -> None:
        seed = self.seed
        time_ms = self.start_ms + index * GAP_MS + mix(seed, SALT_TIME, index) % (GAP_MS // 2)
        self.ids.append((time_ms << 16) | (mix(seed, SALT_ID, index) & 0xFFFF))
        self.authors.append(skewed_index(self.account_count, seed, SALT_AUTHOR, index))
        parent = -1
        if forced_tag is None and index > 0 and unit(seed, SALT_REPLY, index) < 0.25:
            parent = index - 1 - mix(seed, SALT_PARENT, index) % min(index, 300)
        self.parents.append(parent)
        draw = unit(seed, SALT_TAGS, index)
        count = 0 if draw < 0.35 else 1 if draw < 0.8 else 2
        chosen = {skewed_index(len(TAGS), seed, SALT_TAGS, index, k, power=1.6) for k in range(count)}
        if forced_tag is not None:
            chosen.add(forced_tag)
        self.tags.append(tuple(sorted(chosen)))
        flags_draw = mix(seed, SALT_FLAGS, index)
        flags = 0
        flags |= FLAG_MEDIA if flags_draw % 100 < 15 else 0
        flags |= FLAG_UNLISTED if (flags_draw >> 8) % 100 < 5 and forced_tag is None else 0
        flags |= FLAG_EDITED if (flags_draw >> 16) % 100 < 5 else 0
        flags |= FLAG_SENSITIVE if (flags_draw >> 24) % 100 < 3 else 0
        self.flags.append(flags)

    @property
    def count(self) -> int:
        return len(self.ids)

    def add(self, count: int, tag: str | None = None) -> list[str]:
        """Publish `count` new statuses now (after every existing one); returns their ids."""
        forced = None
        if tag is not None:
            if tag not in TAGS:
                raise ValueError(f"unknown tag {tag!r}; known: {list(TAGS)}")
            forced = TAGS.index(tag)
        first = self.count
        for index in range(first, first + count):
            self._append(index, forced)
        self._indexes.clear()
        self._encoded.clear()
        return [str(self.ids[i]) for i in range(first, first + count)]

    def drop_added(self) -> None:
        for column in (self.ids, self.authors, self.parents, self.tags, self.flags):
            del column[self.base_count:]
        self._indexes.clear()
        self._encoded.clear()

    # ---- indexes ------------------------------------------------------------------------

    def listing(self, key: tuple) -> tuple[list[int], list[int]]:
        """(entries, ids) ascending for a timeline key, built once; see `mastodon_graph`."""
        def build():
            if key[0] == "account":
                return self._account_listing(*key[1:])
            if key[0] == "home":
                return self.graph().home(key[1])
            if key[0] == "list":
                return self.graph().entries(self.graph().list_members(key[1]), True)
            positions = [i for i in range(self.count) if self._in_listing(key, i)]
            return positions, [self.ids[i] for i in positions]

        return self._indexes.get(key, build)

    def _account_listing(self, account: int, exclude_replies: bool, only_media: bool,
                         exclude_reblogs: bool, pinned: bool, tagged: int | None) -> tuple[list[int], list[int]]:
        pins = self.graph().pinned(account) if pinned else None

        def keep(index: int) -> bool:
            return (not (exclude_replies and self.parents[index] >= 0)
                    and not (only_media and not self.flags[index] & FLAG_MEDIA)
                    and (tagged is None or tagged in self.tags[index])
                    and (pins is None or index in pins))

        plain = only_media or pinned or tagged is not None or exclude_reblogs
        return self.graph().entries({account}, not plain, keep)

    def graph(self) -> SocialGraph:
        return self._indexes.get("graph", lambda: SocialGraph(self))

    def entry_bytes(self, entry: int, authenticated: bool) -> bytes:
        """A timeline entry: a status position, or a boost as -(boost number + 1)."""
        if entry >= 0:
            return self.status_bytes(entry, authenticated)
        return self._encoded.get(("boost", entry, authenticated),
                                 lambda: encode_json(self.graph().boost_json(-entry - 1, authenticated)))

    def _in_listing(self, key: tuple, index: int) -> bool:
        flags = self.flags[index]
        if flags & FLAG_UNLISTED:
            return False
        _, tag, local, remote, only_media = key
        if tag is not None and tag not in self.tags[index]:
            return False
        if only_media and not flags & FLAG_MEDIA:
            return False
        is_local = self.is_local(self.authors[index])
        return not (local and not is_local) and not (remote and is_local)

    def children(self) -> dict[int, list[int]]:
        return self._indexes.get("children", lambda: children_by_parent(self.parents))

    def position_of(self, status_id: str) -> int | None:
        positions = self._indexes.get("positions", lambda: {str(v): i for i, v in enumerate(self.ids)})
        return positions.get(status_id)

    def account_by_acct(self, acct: str) -> int | None:
        accounts = self._indexes.get("accts", lambda: {self.acct(a): a for a in range(self.account_count)})
        return accounts.get(acct.lstrip("@").removesuffix("@" + DOMAIN))

    def account_statuses(self) -> dict[int, list[int]]:
        def build():
            found: dict[int, list[int]] = {}
            for index, author in enumerate(self.authors):
                found.setdefault(author, []).append(index)
            return found

        return self._indexes.get("by_account", build)

    # ---- accounts ---------------------------------------------------------------------
    def is_local(self, account: int) -> bool:
        return account % 4 != 0

    def username(self, account: int) -> str:
        return rng(self.seed, 20, account).choice(FILLER) + f"_{account}"

    def acct(self, account: int) -> str:
        if self.is_local(account):
            return self.username(account)
        return f"{self.username(account)}@{REMOTE_DOMAINS[account % len(REMOTE_DOMAINS)]}"

    def account_id(self, account: int) -> str:
        return str(self.account_base + account * 7 + 3)

    def account_index(self, account_id: str) -> int | None:
        try:
            offset = int(account_id) - self.account_base - 3
        except ValueError:
            return None
        if offset < 0 or offset % 7 or offset // 7 >= self.account_count:
            return None
        return offset // 7

    def account_json(self, account: int) -> dict[str, Any]:
        rand = rng(self.seed, 21, account)
        domain = DOMAIN if self.is_local(account) else REMOTE_DOMAINS[account % len(REMOTE_DOMAINS)]
        username = self.username(account)
        statuses = self.account_statuses().get(account, [])
        graph = self.graph()
        created_ms = self.start_ms - rand.randrange(30, 900) * 86_400_000
        avatar = f"https://{DOMAIN}/avatars/original/missing.png"
        header = f"https://{DOMAIN}/headers/original/missing.png"
        return {
            "id": self.account_id(account), "username": username, "acct": self.acct(account),
            "display_name": person_name(rand), "locked": False, "bot": account % 29 == 0,
            "discoverable": True, "indexable": True, "group": False,
            "created_at": iso_millis(created_ms - created_ms % 86_400_000),
            "note": f"<p>{paragraph(rand, 1)}</p>", "url": f"https://{domain}/@{username}",
            "uri": f"https://{domain}/users/{username}", "avatar": avatar, "avatar_static": avatar,
            "avatar_description": "", "header": header, "header_static": header,
            "header_description": "", "followers_count": len(graph.followers[account]),
            "following_count": len(graph.following[account]),
            "statuses_count": len(statuses) + graph.boost_counts.get(account, 0),
            "last_status_at": iso_millis(self.ids[statuses[-1]] >> 16)[:10] if statuses else None,
            "hide_collections": False, "show_media": True, "show_media_replies": True,
            "show_featured": True, "noindex": False,
            "feature_approval": {"automatic": ["public"], "manual": [], "current_user": "denied"},
            "emojis": [], "roles": [], "fields": [],
        }

    # ---- statuses -----------------------------------------------------------------------
    def status_bytes(self, index: int, authenticated: bool) -> bytes:
        return self._encoded.get((index, authenticated),
                                 lambda: encode_json(self.status_json(index, authenticated)))

    def status_json(self, index: int, authenticated: bool) -> dict[str, Any]:
        seed = self.seed
        rand = rng(seed, 30, index)
        status_id = str(self.ids[index])
        time_ms = self.ids[index] >> 16
        author = self.authors[index]
        account = self.account_json(author)
        graph = self.graph()
        flags = self.flags[index]
        parent = self.parents[index]
        tags = [TAGS[t] for t in self.tags[index]]
        mentions = []
        text = paragraph(rand, rand.randint(1, 3), tuple(tags[:1]))
        if parent >= 0:
            parent_author = self.authors[parent]
            mentions.append({"id": self.account_id(parent_author), "username": self.username(parent_author),
                             "url": f"https://{DOMAIN}/@{self.username(parent_author)}",
                             "acct": self.acct(parent_author)})
            text = f"@{self.username(parent_author)} {text}"
        rand.randrange(0, 40), rand.randrange(0, 120)  # keep the draws that follow as they were
        links = " ".join(f'<a href="https://{DOMAIN}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
                         for t in tags)
        status: dict[str, Any] = {
            "id": status_id, "created_at": iso_millis(time_ms),
            "in_reply_to_id": str(self.ids[parent]) if parent >= 0 else None,
            "in_reply_to_account_id": self.account_id(self.authors[parent]) if parent >= 0 else None,
            "sensitive": bool(flags & FLAG_SENSITIVE),
            "spoiler_text": "content warning" if flags & FLAG_SENSITIVE else "",
            "visibility": "unlisted" if flags & FLAG_UNLISTED else "public",
            "language": LANGUAGES[mix(seed, 31, index) % len(LANGUAGES)],
            "uri": f"{account['uri']}/statuses/{status_id}",
            "url": f"{account['url']}/{status_id}",
            "replies_count": len(self.children().get(index, ())),
            "reblogs_count": len(graph.boosters(index)), "favourites_count": len(graph.favourites(index)),
            "quotes_count": 0,
            "edited_at": iso_millis(time_ms + 60_000) if flags & FLAG_EDITED else None,
        }
        if authenticated:
            status.update(favourited=False, reblogged=False, muted=False, bookmarked=False,
                          pinned=index in graph.pinned(author))
        status["content"] = f"<p>{text} {links}</p>" if links else f"<p>{text}</p>"
        if authenticated:
            status["filtered"] = []
        status.update({
            "reblog": None, "application": APPLICATIONS[mix(seed, 32, index) % len(APPLICATIONS)], "account": account,
            "media_attachments": self._media(index, rand) if flags & FLAG_MEDIA else [],
            "mentions": mentions,
            "tags": [{"name": t, "url": f"https://{DOMAIN}/tags/{t}"} for t in tags],
            "emojis": [], "tagged_collections": [], "quote": None, "card": self._card(index), "poll": None,
            "quote_approval": {"automatic": ["public"], "manual": [],
                               "current_user": "automatic" if authenticated else "denied"},
        })
        return status

    def _card(self, index: int) -> dict[str, Any] | None:
        """The link preview of a status others replied to: the link they discuss."""
        if index not in self.children():
            return None
        topic = TAGS[self.tags[index][0]] if self.tags[index] else "notes"
        url = f"https://blog.example/{topic}/{self.ids[index] % 100_000}"
        return {"url": url, "title": f"Notes on {topic}", "description": f"A post about {topic}.",
                "language": "en", "type": "link", "author_name": "", "author_url": "",
                "provider_name": "blog.example", "provider_url": "", "html": "", "width": 400,
                "height": 200, "image": None, "image_description": "", "embed_url": "",
                "blurhash": "UBL_:rOpGG-;~qRjWBay00xu%MRj",
                "published_at": None, "authors": []}

    def _media(self, index: int, rand) -> list[dict[str, Any]]:
        media_id = str(self.ids[index] + 1)
        width, height = rand.choice(((1200, 800), (800, 1200), (1024, 1024)))
        url = f"https://files.{DOMAIN}/media_attachments/files/{media_id}/original/photo.jpg"
        return [{"id": media_id, "type": "image", "url": url, "preview_url": url.replace("original", "small"),
                 "remote_url": None, "preview_remote_url": None, "text_url": None,
                 "meta": {"original": {"width": width, "height": height, "size": f"{width}x{height}",
                                       "aspect": width / height},
                          "small": {"width": width // 3, "height": height // 3,
                                    "size": f"{width // 3}x{height // 3}", "aspect": width / height}},
                 "description": "A photo", "blurhash": "UBL_:rOpGG-;~qRjWBay00xu%MRj"}]
