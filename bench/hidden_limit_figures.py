"""The figures of a run under a hidden limit that halves and doubles, from the sandbox's log of
requests, and the report of two runs side by side with the issue's targets (for
limits_hidden_vs_botocore.py)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

SHARE_TARGET = 0.85         # of the calls R allowed, served
THROTTLED_TARGET = 0.03     # of the calls, answered 429
UNDER_WITHIN = 10.0         # seconds after the halving
REACH_SHARE = 0.8           # of R, served in one window after the doubling
REACH_WITHIN = 30.0         # seconds after the doubling
QUIET_WINDOWS = 5           # windows in a row at most R/2: back under it
ROW_SECONDS = 10
WINDOWS_SHOWN = 30          # one-second windows shown after each change


@dataclass(frozen=True)
class Schedule:
    """R per phase, each phase `phase_seconds` long; the second halves R, the third doubles it."""

    limits: tuple[int, ...]
    phase_seconds: int

    @property
    def duration(self) -> int:
        return len(self.limits) * self.phase_seconds

    def limit_in(self, second: int) -> int:
        return self.limits[second // self.phase_seconds]

    def phases(self) -> tuple[tuple[float, float], ...]:
        return tuple((float(index * self.phase_seconds), float(limit)) for index, limit in enumerate(self.limits))


@dataclass(frozen=True)
class Windows:
    """Calls per one-second window of a run: all of them, those served (2xx), those answered 429."""

    calls: tuple[int, ...]
    served: tuple[int, ...]
    refused: tuple[int, ...]

    @classmethod
    def of(cls, entries: list[dict], counted_from: float, duration: int) -> Windows:
        """`counted_from`: the wall time at which a call arriving then counts in window 0."""
        calls, served, refused = ([0] * duration for _ in range(3))
        for entry in entries:
            second = math.floor(entry["at"] - counted_from)
            if not 0 <= second < duration:
                continue
            calls[second] += 1
            served[second] += entry["status"].startswith("2")
            refused[second] += entry["status"] == "429"
        return cls(tuple(calls), tuple(served), tuple(refused))


@dataclass(frozen=True)
class Figures:
    shares: tuple[float, ...]            # served over allowed, per phase
    share: float                         # served over allowed, whole run
    throttled: float                     # answered 429 over calls
    under_after_halving: float | None    # seconds
    reached_after_doubling: float | None  # seconds
    calls: int
    served: int
    refused: int


def figures(windows: Windows, schedule: Schedule) -> Figures:
    period = schedule.phase_seconds
    phases = [slice(index * period, (index + 1) * period) for index in range(len(schedule.limits))]
    allowed = [limit * period for limit in schedule.limits]
    shares = tuple(sum(windows.served[phase]) / calls for phase, calls in zip(phases, allowed))
    calls = sum(windows.calls)
    half, doubled = schedule.limits[1], schedule.limits[2]
    under = next((float(second - period) for second in range(period, 2 * period - QUIET_WINDOWS + 1)
                  if all(count <= half for count in windows.calls[second:second + QUIET_WINDOWS])), None)
    reached = next((float(second + 1 - 2 * period) for second in range(2 * period, 3 * period)
                    if windows.served[second] >= REACH_SHARE * doubled), None)
    return Figures(shares, sum(windows.served) / sum(allowed), sum(windows.refused) / max(1, calls),
                   under, reached, calls, sum(windows.served), sum(windows.refused))


def _percent(value: float, target: float | None = None, at_least: bool = True) -> str:
    missed = target is not None and (value < target if at_least else value > target)
    return f"{100 * value:.1f}" + (" MISSED" if missed else "")


def _seconds(value: float | None, within: float) -> str:
    if value is None:
        return "never MISSED"
    return f"{value:.0f}" + (" MISSED" if value > within else "")


def _ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}" if baseline else "-"


def report(schedule: Schedule, latency: float, processes: int, threads: int, botocore: Windows,
           ours: Windows, rates: dict[int, list[float]], outcomes: list[dict], status: dict) -> None:
    base, own = figures(botocore, schedule), figures(ours, schedule)
    period = schedule.phase_seconds
    print(f"hidden limit R: {', '.join(f'{limit}/s for {period} s' for limit in schedule.limits)}; "
          f"429 past it, {latency * 1000:.0f} ms a call; each side {processes} processes x {threads} threads")
    print(f"{'':44}{'target':>8}{'botocore':>16}{'ours':>16}{'ours/botocore':>15}")
    names = ("R", "R/2", "R")
    for index, name in enumerate(names):
        label = f"% of R served, {index * period}-{(index + 1) * period} s ({name})"
        print(f"{label:44}{'':8}{_percent(base.shares[index]):>16}{_percent(own.shares[index]):>16}"
              f"{_ratio(own.shares[index], base.shares[index]):>15}")
    print(f"{'% of R served, whole run':44}{'>= 85':>8}{_percent(base.share, SHARE_TARGET):>16}"
          f"{_percent(own.share, SHARE_TARGET):>16}{_ratio(own.share, base.share):>15}")
    print(f"{'% of calls answered 429':44}{'<= 3':>8}{_percent(base.throttled, THROTTLED_TARGET, False):>16}"
          f"{_percent(own.throttled, THROTTLED_TARGET, False):>16}{_ratio(own.throttled, base.throttled):>15}")
    print(f"{'s after halving until under R/2':44}{'<= 10':>8}"
          f"{_seconds(base.under_after_halving, UNDER_WITHIN):>16}"
          f"{_seconds(own.under_after_halving, UNDER_WITHIN):>16}")
    print(f"{'s after doubling until 80 % of R':44}{'<= 30':>8}"
          f"{_seconds(base.reached_after_doubling, REACH_WITHIN):>16}"
          f"{_seconds(own.reached_after_doubling, REACH_WITHIN):>16}")
    print(f"{'calls: served / answered 429 / other':44}{'':8}"
          f"{f'{base.served}/{base.refused}/{base.calls - base.served - base.refused}':>16}"
          f"{f'{own.served}/{own.refused}/{own.calls - own.served - own.refused}':>16}")
    _rows(schedule, botocore, ours, rates)
    _after_changes(schedule, botocore, ours)
    _own_counts(outcomes, status)
    _simulation(schedule, latency, processes * threads)


def _rows(schedule: Schedule, botocore: Windows, ours: Windows, rates: dict[int, list[float]]) -> None:
    print(f"\nper {ROW_SECONDS} s (calls a second):    botocore             ours")
    print(f"{'s':>5}{'R':>5}{'served':>10}{'429':>8}{'served':>10}{'429':>8}{'our shared rate':>17}")
    for start in range(0, schedule.duration, ROW_SECONDS):
        rows = slice(start, start + ROW_SECONDS)
        samples = [rate for second in range(start, start + ROW_SECONDS) for rate in rates.get(second, [])]
        rate = f"{statistics.median(samples):.1f}" if samples else "-"
        print(f"{start:>5}{schedule.limit_in(start):>5}"
              f"{sum(botocore.served[rows]) / ROW_SECONDS:>10.1f}{sum(botocore.refused[rows]) / ROW_SECONDS:>8.1f}"
              f"{sum(ours.served[rows]) / ROW_SECONDS:>10.1f}{sum(ours.refused[rows]) / ROW_SECONDS:>8.1f}{rate:>17}")


def _after_changes(schedule: Schedule, botocore: Windows, ours: Windows) -> None:
    period = schedule.phase_seconds
    halving = slice(period, period + WINDOWS_SHOWN)
    doubling = slice(2 * period, 2 * period + WINDOWS_SHOWN)
    print(f"\ncalls in each of the {WINDOWS_SHOWN} windows after the halving (R/2 = {schedule.limits[1]}):")
    for name, windows in (("botocore", botocore), ("ours", ours)):
        print(f"  {name:9}" + "".join(f"{count:3}" for count in windows.calls[halving]))
    print(f"served calls in each of the {WINDOWS_SHOWN} windows after the doubling "
          f"(80 % of R = {REACH_SHARE * schedule.limits[2]:g}):")
    for name, windows in (("botocore", botocore), ("ours", ours)):
        print(f"  {name:9}" + "".join(f"{count:3}" for count in windows.served[doubling]))


def _own_counts(outcomes: list[dict], status: dict) -> None:
    calls = sum(outcome["calls"] for outcome in outcomes)
    throttled = sum(outcome["throttled"] for outcome in outcomes)
    failed = sum(outcome["failed"] for outcome in outcomes)
    counts = status["counts"]
    print(f"\nas the clients counted: botocore processes {calls} calls, {throttled} answered 429, {failed} failed; "
          f"our pull {counts['calls']} calls, {counts['refusals']} refused by the API, {counts['waits']} waits "
          f"for a permit, still {status['state']}")
    if status["state"] != "running":
        print("warning: our pull ran out of work before the end; its figures are low for that reason")


def _simulation(schedule: Schedule, latency: float, concurrency: int) -> None:
    from limits_adaptive_curves import allowed_calls, simulate

    from ingest.limits.curves import CubicCurve, PowerLawCurve

    allowed = allowed_calls(schedule.phases(), schedule.duration)
    print("\nthe pure simulation of the same phases (limits_adaptive_curves.py: one client, no stack; "
          "'under' is its rate, not its calls):")
    for curve, meaning in ((PowerLawCurve(), "ours"), (CubicCurve(), "botocore's constants, one client")):
        run = simulate(curve, schedule.phases(), schedule.duration, latency, concurrency)
        under = "never" if run.under_after_halving is None else f"{run.under_after_halving:.1f} s"
        reached = "never" if run.reached_after_doubling is None else f"{run.reached_after_doubling:.0f} s"
        print(f"  {curve.name} ({meaning}): {100 * run.ok / allowed:.1f} % of R served, "
              f"{100 * run.throttled / max(1, run.ok + run.throttled):.2f} % answered 429, "
              f"under R/2 after {under}, 80 % of R after {reached}")
