"""Mastodon: who follows whom, lists, favourites, boosts and pins, derived from the statuses.

Follows, favourites and boosts each have ids of their own, as on a real instance: followers
and favourited_by page by follow and favourite record ids, reblogged_by by the boosts' status
ids. A timeline entry is a status position (>= 0) or a boost, written ``-(boost number + 1)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.det import mix, rng, skewed_index, text_key, unit
from sandbox.timefmt import iso_millis

if TYPE_CHECKING:
    from sandbox.data.mastodon import MastodonData

FOLLOW_BASE = 4_000_000
FAVOURITE_BASE = 12_000_000
LIST_BASE = 7_000
MAX_FAVOURITES, MAX_BOOSTS, MAX_PINNED = 60, 20, 5
SALT_FOLLOWS, SALT_FOLLOW_ORDER, SALT_LIST, SALT_FAVS, SALT_BOOSTS, SALT_BOOST_TIME, SALT_PIN = range(40, 47)
LIST_TITLES = ("Friends", "News", "Science folks", "Artists", "Developers", "Local")


class SocialGraph:
    """Built once from the statuses (again after items are added)."""

    def __init__(self, data: MastodonData) -> None:
        self.data = data
        self.seed = data.seed
        accounts = data.account_count
        self.following: list[list[tuple[int, int]]] = [[] for _ in range(accounts)]
        self.followers: list[list[tuple[int, int]]] = [[] for _ in range(accounts)]
        self._build_follows(accounts)
        self.boosts: list[tuple[int, int, int]] = []
        self.boosts_of: dict[int, list[int]] = {}
        self.boost_counts: dict[int, int] = {}
        self._pinned: dict[int, set[int]] = {}
        self._build_boosts()

    # ---- follows and lists ----------------------------------------------------------------
    def _build_follows(self, accounts: int) -> None:
        pairs = []
        for follower in range(accounts):
            wanted = 3 + int(unit(self.seed, SALT_FOLLOWS, follower) ** 2 * min(60, accounts - 4))
            chosen: set[int] = set()
            for attempt in range(wanted * 4):
                if len(chosen) == wanted:
                    break
                target = skewed_index(accounts, self.seed, SALT_FOLLOWS, follower, attempt, power=1.5)
                if target != follower:
                    chosen.add(target)
            pairs.extend((mix(self.seed, SALT_FOLLOW_ORDER, follower, t), follower, t) for t in chosen)
        pairs.sort()
        for rank, (_, follower, target) in enumerate(pairs):
            follow_id = FOLLOW_BASE + rank * 3 + 1
            self.following[follower].append((follow_id, target))
            self.followers[target].append((follow_id, follower))

    def owner_of(self, credential: str) -> int:
        """The account a token belongs to: every token is valid and names one account."""
        return text_key(credential) % self.data.account_count

    def lists_of(self, account: int) -> list[int]:
        return [LIST_BASE + account * 4 + n for n in range(1 + account % 3)]

    def list_owner(self, list_id: str) -> int | None:
        if not list_id.isdigit() or int(list_id) < LIST_BASE:
            return None
        owner, number = divmod(int(list_id) - LIST_BASE, 4)
        return owner if owner < self.data.account_count and number <= owner % 3 else None

    def list_json(self, list_id: int) -> dict[str, Any]:
        title = LIST_TITLES[mix(self.seed, SALT_LIST, list_id) % len(LIST_TITLES)]
        return {"id": str(list_id), "title": title, "replies_policy": "list", "exclusive": False}

    def list_members(self, list_id: int) -> set[int]:
        owner = (list_id - LIST_BASE) // 4
        return {target for _, target in self.following[owner]
                if mix(self.seed, SALT_LIST, list_id, target) % 2 == 0}

    # ---- favourites, boosts, pins ------------------------------------------------------------
    def favourites(self, index: int) -> list[tuple[int, int]]:
        """(favourite id, account) of one status, oldest first."""
        others = self.data.account_count - 1
        count = int(unit(self.seed, SALT_FAVS, index) ** 3 * min(MAX_FAVOURITES, others))
        chosen = _others(self.data.authors[index], rng(self.seed, SALT_FAVS, index).sample(range(others), count))
        return [(FAVOURITE_BASE + index * 64 + k, account) for k, account in enumerate(chosen)]

    def _build_boosts(self) -> None:
        data = self.data
        for index in range(data.count):
            count = int(unit(self.seed, SALT_BOOSTS, index) ** 8 * min(MAX_BOOSTS, data.account_count - 1))
            if not count:
                continue
            drawn = rng(self.seed, SALT_BOOSTS, index).sample(range(data.account_count - 1), count)
            moment = data.ids[index] >> 16
            for k, booster in enumerate(_others(data.authors[index], drawn)):
                moment += 1_000 + mix(self.seed, SALT_BOOST_TIME, index, k) % 600_000
                boost_id = (moment << 16) | (mix(self.seed, SALT_BOOST_TIME, index, k, 1) & 0xFFFF)
                self.boosts.append((boost_id, booster, index))
        self.boosts.sort()
        for number, (_, booster, index) in enumerate(self.boosts):
            self.boosts_of.setdefault(index, []).append(number)
            self.boost_counts[booster] = self.boost_counts.get(booster, 0) + 1

    def boosters(self, index: int) -> list[tuple[int, int]]:
        """(boost status id, account) of one status, oldest first."""
        return [(self.boosts[n][0], self.boosts[n][1]) for n in self.boosts_of.get(index, [])]

    def pinned(self, account: int) -> set[int]:
        """The statuses an account pinned to its profile: a few of its own, replies excepted."""
        if account not in self._pinned:
            own = [i for i in self.data.account_statuses().get(account, [])
                   if self.data.parents[i] < 0 and mix(self.seed, SALT_PIN, i) % 25 == 0]
            self._pinned[account] = set(own[-MAX_PINNED:])
        return self._pinned[account]

    # ---- timelines -----------------------------------------------------------------------------
    def entries(self, authors: set[int], with_boosts: bool, keep=lambda index: True) -> tuple[list[int], list[int]]:
        """(entries, ids) ascending: the statuses `keep` accepts by these authors, and their boosts."""
        data = self.data
        found = [(data.ids[i], i) for a in authors for i in data.account_statuses().get(a, []) if keep(i)]
        if with_boosts:
            found.extend((boost_id, -(number + 1)) for number, (boost_id, booster, _) in enumerate(self.boosts)
                         if booster in authors)
        found.sort()
        return [entry for _, entry in found], [status_id for status_id, _ in found]

    def home(self, account: int) -> tuple[list[int], list[int]]:
        followed = {target for _, target in self.following[account]} | {account}
        return self.entries(followed, True)

    def boost_json(self, number: int, authenticated: bool) -> dict[str, Any]:
        boost_id, booster, index = self.boosts[number]
        account = self.data.account_json(booster)
        original = self.data.status_json(index, authenticated)
        status: dict[str, Any] = {
            "id": str(boost_id), "created_at": iso_millis(boost_id >> 16), "in_reply_to_id": None,
            "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
            "visibility": "public", "language": original["language"],
            "uri": f"{account['uri']}/statuses/{boost_id}/activity",
            "url": f"{account['uri']}/statuses/{boost_id}/activity",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "quotes_count": 0,
            "edited_at": None,
        }
        if authenticated:
            status.update(favourited=False, reblogged=False, muted=False, bookmarked=False, pinned=False)
        status["content"] = ""
        if authenticated:
            status["filtered"] = []
        status.update({
            "reblog": original, "application": original["application"], "account": account, "media_attachments": [],
            "mentions": [], "tags": [], "emojis": [], "tagged_collections": [], "quote": None,
            "card": None, "poll": None, "quote_approval": original["quote_approval"],
        })
        return status


def _others(author: int, drawn: list[int]) -> list[int]:
    """Accounts drawn from every account but the author (draws from 0 to count - 2)."""
    return [account + (account >= author) for account in drawn]
