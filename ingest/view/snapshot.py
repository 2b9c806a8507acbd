"""A job's progress as data: one `JobSnapshot`, taken without I/O from the job's document, its
tree's counts, its recent errors and its calls per second. Views (the text below, the notebook
widget in `ingest.view.widgets`) only render a snapshot, so they can be tested with made-up ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable, Mapping, NamedTuple

from ingest.view.words import bar, columns, duration_text, rate_text, shortened
from ingest.jobtree.states import COUNTED_FIELDS, JobCounts, JobState, NodeState, refusal_percent
from ingest.view import progress as toward
from ingest.view.waits import WaitReason
from ingest.view.error_rows import (
    FINAL_STATUSES, error_cells, error_entry, is_final, utc, wrapped_errors,
)

RATE_WINDOW = 120.0  # seconds of calls-per-second history a snapshot keeps
TOTAL_FIELDS = (*COUNTED_FIELDS, "errors")
STATE_COLUMNS = tuple(state.value for state in NodeState)


class RatePoint(NamedTuple):
    seconds: float           # since the job was created
    calls_per_second: float


class GroupRow(NamedTuple):
    """The nodes of one kind at one depth, counted by state (every state present)."""

    kind: str
    depth: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, repr=False)
class JobSnapshot:
    job_id: str
    source: str
    state: JobState
    created: datetime | None
    finished: datetime | None
    elapsed: float | None                     # seconds from created to finished, or to `now`
    nodes: dict[str, int]                     # by node state, every state present
    groups: dict[tuple[str, int, str], int]   # by (kind, depth, state), zeros left out
    totals: dict[str, int]                    # TOTAL_FIELDS: waits are our limiter's, refusals the API's
    errors: tuple[dict[str, Any], ...]        # newest first, each with error_rows.ERROR_FIELDS
    progress: float | None                    # toward the goal (see `progress_basis`); None while unknown
    rate: tuple[RatePoint, ...]               # oldest first, one point per second
    limit: float | None                       # calls per second the limiter allows, when known
    parked: dict[str, int] = field(default_factory=dict)  # nodes waiting their turn, by the limit
    wait: WaitReason | None = None            # why the running job waits, while anything of it waits
    progress_basis: str = toward.NODES_BASIS  # "records of limit" (the pull's limit) or "nodes"
    progress_counts: tuple[int, int] = (0, 0)  # (done, goal) on that basis
    eta: float | None = None                  # seconds until the job ends, when they can be known
    eta_calls: int | None = None              # the calls the ETA counts on
    eta_rate: float | None = None             # the calls per second it counts on

    @property
    def ended(self) -> bool:
        return self.state is not JobState.RUNNING

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def terminal_nodes(self) -> int:
        return sum(count for state, count in self.nodes.items() if NodeState(state).terminal)

    @property
    def refusal_percent(self) -> float | None:
        """The calls the API refused for its rate limit, as a percentage of the calls made."""
        return refusal_percent(self.totals)

    def progress_text(self) -> str:
        """'40.0% · 400 of 1,000 records (limit)', 'cancelled at 12.5% · 1 of 8 nodes done', ..."""
        done, goal = self.progress_counts
        return toward.progress_text(toward.Progress(self.progress, self.progress_basis, done, goal),
                                    self.state, self.nodes)

    def eta_text(self) -> str:
        """'ETA 2:05 (250 calls at 2/s)', 'ETA unknown', or '' once the job ended."""
        return toward.eta_text(self.state, self.eta, self.eta_calls, rate_text(self.eta_rate or 0.0))

    @property
    def rerun_could_help(self) -> bool:
        """Whether running the failed nodes again may pass: some failed, and not every recent
        failure (an attempt that was retried aside) is a refusal a rerun cannot change (400,
        401, 403, 404, a refused credential)."""
        if not self.nodes.get(NodeState.FAILED.value):
            return False
        failures = self._failures()
        return not failures or not all(is_final(error) for error in failures)

    def rerun_hint(self) -> str:
        """Why a rerun cannot help, naming the refusals; '' when it may."""
        if self.rerun_could_help or not self.nodes.get(NodeState.FAILED.value):
            return ""
        causes = sorted({(error["status"], FINAL_STATUSES.get(error["status"], "the credential"))
                         for error in self._failures()}, key=lambda cause: cause[0] or 0)
        named = "; ".join(f"HTTP {status}: {cause}" if status else cause for status, cause in causes)
        return (f"A rerun would fail again: every failed node was refused for a reason a rerun does not change "
                f"({named}). Fix what the errors name, then pull again; job.rerun() still runs them if asked.")

    def _failures(self) -> list[dict[str, Any]]:
        return [error for error in self.errors if error.get("outcome") != "retried"]

    def group_rows(self) -> tuple[GroupRow, ...]:
        """One row per (kind, depth), shallowest first."""
        rows: dict[tuple[str, int], dict[str, int]] = {}
        for (kind, depth, state), count in self.groups.items():
            rows.setdefault((kind, depth), dict.fromkeys(STATE_COLUMNS, 0))[state] = count
        return tuple(GroupRow(kind, depth, counts)
                     for (kind, depth), counts in sorted(rows.items(), key=lambda item: (item[0][1], item[0][0])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "source": self.source, "state": self.state.value,
            "created": _iso(self.created), "finished": _iso(self.finished), "elapsed": self.elapsed,
            "nodes": dict(self.nodes),
            "groups": [{"kind": kind, "depth": depth, "state": state, "count": count}
                       for (kind, depth, state), count in sorted(self.groups.items())],
            "totals": dict(self.totals),
            "refusal_percent": self.refusal_percent,
            "errors": [{**error, "at": _iso(error["at"])} for error in self.errors],
            "progress": self.progress, "progress_basis": self.progress_basis, "eta_seconds": self.eta,
            "rate": [list(point) for point in self.rate],
            "limit": self.limit,
            "wait": self.wait.to_dict() if self.wait is not None else None,
        }

    def as_text(self, max_rows: int = 12, max_errors: int = 5, width: int = 100, wrap: bool = False) -> str:
        """One screen of plain text: header, progress bar, counts by kind and depth, totals,
        calls per second, recent errors (each shortened to `width`, or with `wrap` in full,
        wrapped at `width`)."""
        lines = [self.headline(),
                 "  ".join(filter(None, (f"[{bar(self.progress or 0.0, 30)}]", self.progress_text(),
                                         self.eta_text())))]
        rows = self.group_rows()
        if rows:
            table = [["kind", "depth", *STATE_COLUMNS]]
            table += [[row.kind, str(row.depth), *(f"{row.counts[state]:,}" for state in STATE_COLUMNS)]
                      for row in rows[:max_rows]]
            lines += columns(table)
            if len(rows) > max_rows:
                lines.append(f"... and {len(rows) - max_rows} more kinds and depths")
        lines.append(self.totals_line())
        lines.append(self.rate_line())
        lines += [line for line in (self.wait_line(), self.wait_help_line()) if line]
        if self.errors:
            lines.append(self.errors_heading())
            lines += (wrapped_errors(self.errors[:max_errors], width) if wrap else
                      [shortened("  " + "  ".join(error_cells(error)), width) for error in self.errors[:max_errors]])
        return "\n".join(lines)

    def headline(self) -> str:
        elapsed = f" · {duration_text(self.elapsed)}" if self.elapsed is not None else ""
        return f"{self.job_id} · {self.source} · {self.state.value}{elapsed}"

    def totals_line(self) -> str:
        totals = self.totals
        return (f"records {totals['records']:,} ({totals['new_records']:,} new) · calls {totals['calls']:,} · "
                f"waits {totals['waits']:,} · {refusals_text(totals)} · retries {totals['retries']:,} · "
                f"errors {totals['errors']:,}")

    def errors_heading(self) -> str:
        """'recent errors (2): 1 failed node, 1 retried attempt': a failed node counts in the
        totals' errors, a retried attempt in its retries."""
        outcomes = [error["outcome"] for error in self.errors]
        parts = [f"{outcomes.count('failed'):,} failed node" + ("s" if outcomes.count("failed") != 1 else ""),
                 f"{outcomes.count('retried'):,} retried attempt" + ("s" if outcomes.count("retried") != 1 else "")]
        told = ": " + ", ".join(parts) if any(outcomes) else ""
        return f"recent errors ({len(self.errors)}){told}:"

    def parked_line(self) -> str:
        """'parked: 120 on <limit>; 3 on <limit>', or '' when no node waits in a waiting room."""
        if not self.parked:
            return ""
        return "parked: " + "; ".join(f"{count:,} on {label}" for label, count in sorted(self.parked.items()))

    def wait_line(self) -> str:
        """'waiting on GitHub: 60 per hour without a credential (...); next call 23:41:07 (in
        2 min 40 s)', or '' when nothing waits."""
        return self.wait.line() if self.wait is not None else ""

    def wait_help_line(self) -> str:
        """What would make the wait shorter, or ''."""
        return self.wait.help_line() if self.wait is not None else ""

    def rate_line(self) -> str:
        limit = f" · limit {rate_text(self.limit)}" if self.limit is not None else ""
        if not self.rate:
            return f"calls/s: none yet{limit}"
        mean = sum(point.calls_per_second for point in self.rate) / len(self.rate)
        return (f"calls/s {self.rate[-1].calls_per_second:g} last second · {mean:.2f} mean over "
                f"{len(self.rate)} s{limit}")

    def __repr__(self) -> str:
        return self.as_text()


def take_snapshot(job_document: Mapping[str, Any], counts: JobCounts, errors: Iterable[Mapping[str, Any]],
                  rate_points: Iterable[tuple[float, int]], limit: float | None, *,
                  now: float | None = None, window: float = RATE_WINDOW,
                  parked: Mapping[str, int] | None = None, wait: WaitReason | None = None,
                  goal_records: int | None = None, page_size: int | None = None,
                  expected_calls: int | None = None) -> JobSnapshot:
    """The snapshot of one job.

    `job_document` is the job's document in `jobs`; `errors` the tally's recent errors, newest
    first; `rate_points` (unix second, calls) as `RedisTally.rate` answers them; `limit` the
    limiter's calls per second for the job's host (`limit_rate`), or None; `now` (unix seconds)
    the time the snapshot is taken, which closes a running job's rate history and elapsed time;
    `parked` the job's nodes in waiting rooms by the limit they wait on; `wait` why they wait
    (`ingest.api.waits`), kept while the job runs; `goal_records` the records the pull's
    top-level listing gave so far, `page_size` its records per call and `expected_calls` the
    calls estimated before the pull (see `ingest.view.progress`).
    """
    state = JobState(job_document["state"])
    created = utc(job_document.get("created"))
    finished = utc(job_document.get("finished"))
    nodes = {state_name: int(counts.by_state.get(state_name, 0)) for state_name in STATE_COLUMNS}
    end = finished.timestamp() if finished is not None else now
    snapshot = JobSnapshot(
        job_id=str(job_document["_id"]),
        source=str(job_document.get("source", "")),
        state=state,
        created=created,
        finished=finished,
        elapsed=max(0.0, end - created.timestamp()) if created is not None and end is not None else None,
        nodes=nodes,
        groups={key: int(count) for key, count in counts.by_group.items() if count},
        totals={name: int(counts.totals.get(name, 0)) for name in TOTAL_FIELDS},
        errors=tuple(error_entry(error) for error in errors),
        progress=None,
        rate=_rate_history(rate_points, created, finished, now, window),
        limit=float(limit) if limit is not None else None,
        parked={str(label): int(count) for label, count in (parked or {}).items() if count},
        wait=wait if state is JobState.RUNNING else None,
    )
    return replace(snapshot, **toward.goal_fields(snapshot, (job_document.get("spec") or {}).get("limit"),
                                                  goal_records, page_size, expected_calls))


def refusals_text(totals: Mapping[str, int]) -> str:
    """'refusals 3 (1.2% of calls)': the calls the API refused and their share of the calls."""
    share = refusal_share_text(totals)
    return f"refusals {totals.get('refusals', 0):,}" + (f" ({share} of calls)" if share else "")


def refusal_share_text(totals: Mapping[str, int]) -> str:
    """The API's refusals as a share of the calls ('1.2%', '<0.1%'); '' before any call."""
    percent = refusal_percent(totals)
    if percent is None:
        return ""
    return "<0.1%" if 0 < percent < 0.05 else f"{percent:.1f}%"


def limit_rate(limiter_snapshot: Mapping[str, Mapping[str, Mapping[str, Any]]], source: str,
               host: str | None = None) -> float | None:
    """The calls per second the limiter allows `source` at `host` (a `Limiter.snapshot()`
    entry's rate); for a host it has no entry for, the tightest of the source's hosts."""
    hosts = limiter_snapshot.get(source) or {}
    entries = [hosts[host]] if host in hosts else list(hosts.values())
    rates = [float(entry["rate"]) for entry in entries if entry.get("rate") is not None]
    return min(rates) if rates else None


def _rate_history(rate_points: Iterable[tuple[float, int]], created: datetime | None,
                  finished: datetime | None, now: float | None, window: float) -> tuple[RatePoint, ...]:
    calls_by_second: dict[int, int] = {}
    for second, calls in rate_points:
        calls_by_second[int(second)] = calls_by_second.get(int(second), 0) + int(calls)
    if finished is not None:
        last = max([math.floor(finished.timestamp()), *calls_by_second])
    elif now is not None:
        last = math.floor(now) - 1  # the second `now` falls in is still counting
    elif calls_by_second:
        last = max(calls_by_second)
    else:
        return ()
    origin = created.timestamp() if created is not None else float(min(calls_by_second, default=last))
    first = max(math.floor(origin), last - int(window) + 1)
    return tuple(RatePoint(max(0.0, second - origin), float(calls_by_second.get(second, 0)))
                 for second in range(first, last + 1))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
