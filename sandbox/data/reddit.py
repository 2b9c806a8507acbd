"""Reddit: posts in a few subreddits, each with a comment tree of its own depth and width."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable

from sandbox.data.cache import EncodedCache, Memo
from sandbox.det import base36, mix, rng, skewed_index, unit
from sandbox.text import ADJECTIVES, NOUNS, paragraph, title
from sandbox.timefmt import DATASET_END

SUBREDDITS = ("python", "askreddit", "programming", "datascience", "learnpython", "science",
              "worldnews", "MachineLearning", "linux", "rust")
SUBREDDIT_IDS = ("2qh0y", "2qh1i", "2fwo", "2sptq", "2r8ot", "mouw", "2qh13", "2r3gv", "2qh1a", "2s7lj")
POST_BASE = int("1a00000", 36)
COMMENT_BASE = int("k000000", 36)
GAP_SECONDS = 45
GILDINGS = {"gid_1": 0, "gid_2": 0, "gid_3": 0}


class RedditData:
    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.base_count = size
        self.author_count = max(30, size // 20)
        self.start = DATASET_END - size * GAP_SECONDS
        self.subreddits: list[int] = []
        self.authors: list[int] = []
        self.scores: list[int] = []
        self.comment_counts: list[int] = []
        self.comment_starts: list[int] = [0]
        for index in range(size):
            self._append(index, None)
        self._trees: dict[int, dict[str, list]] = {}
        self._indexes = Memo()
        self._encoded = EncodedCache()

    def _append(self, index: int, subreddit: int | None) -> None:
        seed = self.seed
        if subreddit is None:
            subreddit = skewed_index(len(SUBREDDITS), seed, 1, index, power=1.5)
        self.subreddits.append(subreddit)
        self.authors.append(skewed_index(self.author_count, seed, 2, index))
        self.scores.append(int(10 ** (unit(seed, 3, index) * 4.2)) - 1)
        comments = int(unit(seed, 4, index) ** 3 * 80) if index < self.base_count else 0
        self.comment_counts.append(comments)
        self.comment_starts.append(self.comment_starts[-1] + comments)

    @property
    def count(self) -> int:
        return len(self.subreddits)

    def add(self, count: int, subreddit: str | None = None) -> list[str]:
        """Submit `count` new posts now; returns their fullnames."""
        chosen = None
        if subreddit is not None:
            names = [s.lower() for s in SUBREDDITS]
            if subreddit.lower() not in names:
                raise ValueError(f"unknown subreddit {subreddit!r}; known: {list(SUBREDDITS)}")
            chosen = names.index(subreddit.lower())
        first = self.count
        for index in range(first, first + count):
            self._append(index, chosen)
        self._indexes.clear()
        return [self.post_fullname(i) for i in range(first, first + count)]

    def drop_added(self) -> None:
        for column in (self.subreddits, self.authors, self.scores, self.comment_counts):
            del column[self.base_count:]
        del self.comment_starts[self.base_count + 1:]
        self._indexes.clear()
        self._encoded.clear()

    # ---- identities --------------------------------------------------------------------
    def post_id(self, index: int) -> str:
        return base36(POST_BASE + index)

    def post_fullname(self, index: int) -> str:
        return "t3_" + self.post_id(index)

    def post_index(self, post_id: str) -> int | None:
        try:
            index = int(post_id.removeprefix("t3_"), 36) - POST_BASE
        except ValueError:
            return None
        return index if 0 <= index < self.count else None

    def comment_id(self, ordinal: int) -> str:
        return base36(COMMENT_BASE + ordinal)

    def comment_ordinal(self, comment_id: str) -> int | None:
        try:
            ordinal = int(comment_id.removeprefix("t1_"), 36) - COMMENT_BASE
        except ValueError:
            return None
        return ordinal if 0 <= ordinal < self.comment_starts[-1] else None

    def post_of_comment(self, ordinal: int) -> int:
        return bisect_right(self.comment_starts, ordinal) - 1

    def created(self, index: int) -> float:
        return float(int(self.start + index * GAP_SECONDS + mix(self.seed, 5, index) % GAP_SECONDS // 2))

    def author_name(self, author: int) -> str:
        rand = rng(self.seed, 6, author)
        return f"{rand.choice(ADJECTIVES).title()}{rand.choice(NOUNS).title()}{author}"

    def author_index(self, name: str) -> int | None:
        names = self._indexes.get("authors", lambda: {self.author_name(a).lower(): a for a in range(self.author_count)})
        return names.get(name.lower())


    # ---- listings ------------------------------------------------------------------------
    def subreddit_posts(self, subreddit: int) -> list[int]:
        return self._indexes.get(("sub", subreddit),
                           lambda: [i for i in range(self.count) if self.subreddits[i] == subreddit])

    def author_posts(self, author: int) -> list[int]:
        by_author = self._indexes.get("by_author", self._posts_by_author)
        return by_author.get(author, [])

    def _posts_by_author(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for index, author in enumerate(self.authors):
            found.setdefault(author, []).append(index)
        return found

    # ---- comment trees ------------------------------------------------------------------
    def tree(self, post: int) -> dict[str, list]:
        """Parents (-1 for top level), depths and children lists of a post's comments."""
        found = self._trees.get(post)
        if found is None:
            if len(self._trees) > 5_000:
                self._trees.clear()
            count = self.comment_counts[post]
            parents, depths = [], []
            children: list[list[int]] = [[] for _ in range(count)]
            top: list[int] = []
            for k in range(count):
                parent = -1
                if k > 0 and unit(self.seed, 7, post, k) > 0.35:
                    parent = k - 1 - mix(self.seed, 8, post, k) % min(k, 6)
                parents.append(parent)
                depths.append(0 if parent < 0 else depths[parent] + 1)
                (top if parent < 0 else children[parent]).append(k)
            found = {"parents": parents, "depths": depths, "children": children, "top": top}
            self._trees[post] = found
        return found

    def subtree_size(self, post: int, k: int) -> int:
        children = self.tree(post)["children"]
        total, stack = 0, [k]
        while stack:
            current = stack.pop()
            total += 1
            stack.extend(children[current])
        return total

    def comment_score(self, ordinal: int) -> int:
        return int(10 ** (unit(self.seed, 14, ordinal) * 2.5)) - 1

    def comment_author(self, ordinal: int) -> int:
        return skewed_index(self.author_count, self.seed, 13, ordinal)

    def comment_text(self, post: int, k: int) -> tuple[str, float]:
        """A comment's body and creation time (epoch seconds)."""
        rand = rng(self.seed, 12, self.comment_starts[post] + k)
        body = paragraph(rand, rand.randint(1, 3))
        return body, self.created(post) + 60.0 * (k + 1) + rand.randrange(0, 60)

    def post_title(self, index: int) -> str:
        return title(rng(self.seed, 10, index))

    def indexed(self, key: Any, build: Callable[[], Any]) -> Any:
        """A lookup over the data, built once until posts are added."""
        return self._indexes.get(key, build)

    # ---- JSON ---------------------------------------------------------------------------
    def post_json(self, index: int) -> dict[str, Any]:
        rand = rng(self.seed, 10, index)
        sub = SUBREDDITS[self.subreddits[index]]
        post_id = self.post_id(index)
        heading = title(rand)
        slug = "_".join(heading.lower().split()[:6])
        permalink = f"/r/{sub}/comments/{post_id}/{slug}/"
        is_self = rand.random() < 0.6
        body = paragraph(rand, rand.randint(1, 4)) if is_self else ""
        url = f"https://www.reddit.com{permalink}" if is_self else f"https://example.org/{slug}"
        score = self.scores[index]
        created = self.created(index)
        author = self.author_name(self.authors[index])
        return {
            "approved_at_utc": None, "subreddit": sub, "selftext": body,
            "author_fullname": f"t2_{base36(mix(self.seed, 11, self.authors[index]) % 36**8)}",
            "saved": False, "mod_reason_title": None, "gilded": 0, "clicked": False, "title": heading,
            "link_flair_richtext": [], "subreddit_name_prefixed": f"r/{sub}", "hidden": False, "pwls": 6,
            "link_flair_css_class": None, "downs": 0, "thumbnail_height": None, "hide_score": False,
            "name": f"t3_{post_id}", "quarantine": False, "link_flair_text_color": "dark",
            "upvote_ratio": round(0.5 + rand.random() / 2, 2), "author_flair_background_color": "",
            "subreddit_type": "public", "ups": score, "domain": f"self.{sub}" if is_self else "example.org",
            "media_embed": {}, "thumbnail_width": None, "author_flair_template_id": None,
            "is_original_content": False, "user_reports": [], "secure_media": None,
            "is_reddit_media_domain": False, "is_meta": False, "category": None,
            "secure_media_embed": {}, "link_flair_text": None, "can_mod_post": False, "score": score,
            "approved_by": None, "author_premium": False, "thumbnail": "self" if is_self else "default",
            "edited": False, "author_flair_css_class": None, "author_flair_richtext": [], "gildings": GILDINGS,
            "author_flair_text_color": "dark", "is_robot_indexable": True,
            "content_categories": None, "is_self": is_self, "mod_note": None, "created": created,
            "link_flair_type": "text", "wls": 6, "removed_by_category": None, "banned_by": None,
            "author_flair_type": "text", "contest_mode": False, "selftext_html":
                f'<div class="md"><p>{body}</p>\n</div>' if body else None,
            "likes": None, "suggested_sort": None, "banned_at_utc": None, "view_count": None,
            "archived": False, "no_follow": score < 2, "is_crosspostable": True, "pinned": False,
            "over_18": False, "brand_safe": True, "media_only": False, "link_flair_template_id": None,
            "can_gild": False, "spoiler": False, "locked": False, "author_flair_text": None,
            "visited": False, "removed_by": None, "num_reports": None, "distinguished": None,
            "subreddit_id": "t5_" + SUBREDDIT_IDS[self.subreddits[index]], "mod_reason_by": None,
            "removal_reason": None, "link_flair_background_color": "", "id": post_id,
            "report_reasons": None, "author": author, "num_crossposts": 0,
            "num_comments": self.comment_counts[index], "send_replies": True,
            "whitelist_status": "all_ads", "parent_whitelist_status": "all_ads",
            "author_patreon_flair": False, "mod_reports": [], "permalink": permalink,
            "url": url, "subreddit_subscribers": 1_000_000 + self.subreddits[index] * 37_117,
            "created_utc": created, "media": None, "is_video": False, "stickied": False,
            "from": None, "from_id": None, "from_kind": None,
        }

    def post_thing(self, index: int) -> bytes:
        from sandbox.responses import encode_json

        return self._encoded.get(("t3", index), lambda: encode_json({"kind": "t3", "data": self.post_json(index)}))

    def comment_json(self, post: int, k: int, replies: Any = "") -> dict[str, Any]:
        ordinal = self.comment_starts[post] + k
        tree = self.tree(post)
        parent = tree["parents"][k]
        comment_id = self.comment_id(ordinal)
        sub = SUBREDDITS[self.subreddits[post]]
        author_index = self.comment_author(ordinal)
        body, created = self.comment_text(post, k)
        score = self.comment_score(ordinal)
        post_slug = f"/r/{sub}/comments/{self.post_id(post)}/_/"
        return {
            "subreddit_id": "t5_" + SUBREDDIT_IDS[self.subreddits[post]], "approved_at_utc": None,
            "author_is_blocked": False, "comment_type": None, "mod_reason_by": None, "banned_by": None,
            "author_flair_type": "text", "total_awards_received": 0, "subreddit": sub,
            "author_flair_template_id": None, "likes": None, "replies": replies, "user_reports": [],
            "saved": False, "id": comment_id, "banned_at_utc": None, "mod_reason_title": None,
            "gilded": 0, "archived": False, "collapsed_reason_code": None, "no_follow": score < 2,
            "author": self.author_name(author_index), "can_mod_post": False, "created_utc": created,
            "send_replies": True, "parent_id": self.post_fullname(post) if parent < 0
            else "t1_" + self.comment_id(self.comment_starts[post] + parent),
            "score": score, "author_fullname": f"t2_{base36(mix(self.seed, 11, author_index) % 36**8)}",
            "approved_by": None, "mod_note": None, "all_awardings": [], "collapsed": False,
            "body": body, "edited": False, "top_awarded_type": None, "author_flair_css_class": None,
            "name": f"t1_{comment_id}", "is_submitter": author_index == self.authors[post],
            "downs": 0, "author_flair_richtext": [], "author_patreon_flair": False,
            "body_html": f'<div class="md"><p>{body}</p>\n</div>', "removal_reason": None,
            "collapsed_reason": None, "distinguished": None, "associated_award": None,
            "stickied": False, "author_premium": False, "can_gild": False, "gildings": GILDINGS,
            "unrepliable_reason": None, "author_flair_text_color": None, "score_hidden": False,
            "permalink": f"{post_slug}{comment_id}/", "subreddit_type": "public",
            "locked": False, "report_reasons": None, "created": created, "author_flair_text": None,
            "treatment_tags": [], "link_id": self.post_fullname(post),
            "subreddit_name_prefixed": f"r/{sub}", "controversiality": 0,
            "depth": tree["depths"][k], "author_flair_background_color": None,
            "collapsed_because_crowd_control": None, "mod_reports": [], "num_reports": None, "ups": score,
        }
