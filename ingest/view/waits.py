"""Why a running job waits, as data: the limit its nodes wait on in words, when the next call
under it goes, and what would let the job go faster. Made by `ingest.api.waits` from what the
stack knows; every view renders it with the lines below."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.view.words import time_words


@dataclass(frozen=True)
class Remedy:
    """One thing that would help: what (`what`, short) and how (`how`, the call or command)."""

    what: str
    how: str = ""

    def text(self) -> str:
        return f"{self.what} ({self.how})" if self.how else self.what


@dataclass(frozen=True)
class WaitReason:
    service: str                   # 'GitHub', 'Hacker News'
    limit: str                     # '60 per hour without a credential'
    waiting: int                   # nodes waiting on it
    cause: str = ""                # 'the 60 per hour are used up'
    next_call: datetime | None = None   # aware, in the time zone the reader shows
    next_in: float | None = None   # seconds from the snapshot's moment to `next_call`
    at_most: bool = False          # `next_in` is an upper bound (calls spaced, or a rate)
    remedies: tuple[Remedy, ...] = field(default_factory=tuple)

    def line(self) -> str:
        """'waiting on GitHub: 60 per hour without a credential · the 60 per hour are used up ·
        next call at 23:41:07 (in 2 min 40 s)'."""
        cause = f" · {self.cause}" if self.cause else ""
        return f"waiting on {self.service}: {self.limit}{cause} · {self.next_call_text()}"

    def next_call_text(self) -> str:
        if self.next_call is None or self.next_in is None:
            return "next call not known yet: no call counted under this limit"
        within = "by" if self.at_most else "at"
        return f"next call {within} {self.next_call.strftime('%H:%M:%S')} (in {time_words(self.next_in)})"

    def help_line(self) -> str:
        """'would help: a credential: 5,000 per hour with one (`ingest credentials add ...`)', or ''."""
        if not self.remedies:
            return ""
        return "would help: " + "; or ".join(remedy.text() for remedy in self.remedies)

    def short_help(self) -> str:
        """The remedies without their how: for the one line of a progress bar."""
        return "; or ".join(remedy.what for remedy in self.remedies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "limit": self.limit, "waiting": self.waiting, "cause": self.cause,
            "next_call": self.next_call.isoformat() if self.next_call is not None else None,
            "next_in": self.next_in, "at_most": self.at_most,
            "remedies": [{"what": remedy.what, "how": remedy.how} for remedy in self.remedies],
            "line": self.line(), "help": self.help_line(),
        }
