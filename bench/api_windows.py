"""What an API received, counted as the API counts it: calls and 429s in each of its fixed
windows, and the most calls in any interval of one window's length (which a fixed-window count
can hide). Used by `limits_known_vs_celery`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tests.limits.support import most_in_any_window


@dataclass(frozen=True)
class Run:
    """What the sandbox logged during one run (its `/_admin/requests` entries: arrival on the
    wall clock, status), and when the load stopped."""

    name: str
    log: list[dict]
    stopped: float


@dataclass(frozen=True)
class WindowCount:
    start: float
    calls: int
    throttled: int


@dataclass(frozen=True)
class Counts:
    name: str
    full_windows: list[WindowCount]
    calls: int
    throttled: int
    busiest: int
    first_call: float

    def least_use(self, limit: int) -> float:
        """The smallest share of the limit answered without a 429 in a full window."""
        return min((window.calls - window.throttled) / limit for window in self.full_windows)


def count(run: Run, boundary: float, window: float, latency: float) -> Counts:
    """Calls and 429s per full window, `boundary` being the start of one of the API's windows.

    A full window starts after the run's first call and ends before the load stopped. The log
    has each request's arrival; the API counts it `latency` seconds later, after its delay.
    """
    calls = sorted((entry["at"] + latency, entry["status"] == "429") for entry in run.log)
    if not calls:
        raise SystemExit(f"{run.name}: the sandbox logged no call; the run shows nothing")
    first_call = calls[0][0]
    start = boundary + math.ceil((first_call - boundary) / window) * window
    full_windows = []
    while start + window <= run.stopped:
        inside = [throttled for at, throttled in calls if start <= at < start + window]
        full_windows.append(WindowCount(start, len(inside), sum(inside)))
        start += window
    return Counts(run.name, full_windows, len(calls), sum(throttled for _, throttled in calls),
                  most_in_any_window([at for at, _ in calls], window), first_call)


def print_counts(counts: Counts, limit: int, window: float) -> None:
    print(f"{counts.name}: per full {window:g} s window of the API (L = {limit})")
    print("  window  from first call  calls  calls/L  used % of L  429s")
    for number, full in enumerate(counts.full_windows, 1):
        used = (full.calls - full.throttled) / limit
        print(f"  {number:6d}  {full.start - counts.first_call:12.2f} s  {full.calls:5d}  "
              f"{full.calls / limit:7.2f}  {used:10.1%}  {full.throttled:4d}")
    print(f"  in all {counts.calls} calls, {counts.throttled} answered 429; most in any {window:g} s: "
          f"{counts.busiest} ({counts.busiest / limit:.2f} x L)")
