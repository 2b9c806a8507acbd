"""A node's and a job's states, defined once: which node states are live, which terminal, which
not running yet, the counters a job keeps, and a job's counts. The tally's Lua scripts receive
the state names from here (see `ingest.jobtree.tally.redis_tally.STATES_LUA`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Mapping


class NodeState(str, Enum):
    QUEUED = "queued"
    WAITING = "waiting"      # on a rate limit; not a failed attempt
    RUNNING = "running"
    RETRYING = "retrying"    # after a transient failure, backing off
    DONE = "done"
    SKIPPED = "skipped"      # stored unchanged within the freshness window
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def live(self) -> bool:
        return not self.terminal


TERMINAL_STATES = frozenset({NodeState.DONE, NodeState.SKIPPED, NodeState.FAILED, NodeState.CANCELLED})
LIVE_STATES = tuple(state.value for state in NodeState if state not in TERMINAL_STATES)
# Live but not running: a node in one of these may be claimed, and is cancelled with its job.
PENDING_STATES = tuple(state for state in NodeState if state.live and state is not NodeState.RUNNING)


class JobState(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    CANCELLED = "cancelled"


# waits: times a node waited its turn under our own limiter (pacing, normal);
# refusals: calls the API refused (429, 503) because of its rate limit.
COUNTED_FIELDS = ("calls", "records", "new_records", "waits", "refusals", "retries")
# The one count tallies and node documents kept before waits and refusals were counted apart;
# it cannot be split after the fact, so it is read as waits.
UNSPLIT_COUNT = "throttles"


def refusal_percent(totals: Mapping[str, int]) -> float | None:
    """The API's refusals as a percentage of the calls made; None before any call."""
    calls = totals.get("calls", 0)
    return 100.0 * totals.get("refusals", 0) / calls if calls else None


@dataclass(frozen=True)
class JobCounts:
    """A job's nodes by state, by (kind, depth, state), and its counters."""

    by_state: dict[str, int]
    by_group: dict[tuple[str, int, str], int]
    totals: dict[str, int]
    changed: float | None

    @property
    def live(self) -> int:
        return sum(self.by_state[state] for state in LIVE_STATES)

    @property
    def refusal_percent(self) -> float | None:
        return refusal_percent(self.totals)
