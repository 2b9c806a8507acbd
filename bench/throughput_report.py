"""The pipeline throughput benchmark's results: one `Run` per measurement, the table, and the
conclusion drawn from them (target met or not, where the curve bends, which part the CPU went to)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TARGET_PER_FETCHER = 0.8
TARGET_UP_TO = 16
SHOWN_PARTS = ("workers", "docstore", "rabbitmq", "redis", "sandbox", "client", "other")


@dataclass
class Run:
    name: str
    fetchers: int
    seconds: float
    pages: int
    calls: int
    records: int
    expected_records: int
    duplicates: int = 0
    limiter_waits: int = 0
    launch_seconds: float = 0.0
    observed_seconds: float = 0.0
    finished: bool = True
    cores: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def speedup(baseline: Run, run: Run) -> float:
    """Baseline time over pipeline time; for an unfinished run, the same ratio of page rates."""
    return baseline.seconds / run.seconds * run.calls / run.pages


def print_table(baseline: Run, runs: list[Run]) -> None:
    print(f"\n{'run':<34}{'N':>4}{'wall s':>9}{'records':>9}{'dups':>6}{'calls':>7}{'waits':>6}{'speedup':>9}"
          f"{'/N':>7}   cores: " + "".join(f"{name:>9}" for name in SHOWN_PARTS))
    for run in [baseline, *runs]:
        ratio = speedup(baseline, run)
        cores = "".join(f"{run.cores[name]:>9.2f}" if name in run.cores else f"{'':>9}" for name in SHOWN_PARTS)
        mark = " " if run.finished else "*"
        duplicates = run.duplicates if run.finished else "-"
        print(f"{run.name:<34}{run.fetchers:>4}{run.seconds:>8.1f}{mark}{run.records:>9}{duplicates:>6}"
              f"{run.calls:>7}{run.limiter_waits:>6}{ratio:>9.2f}{ratio / run.fetchers:>7.2f}   {'':>7}{cores}")
    print(f"expected: {baseline.expected_records} records in {baseline.pages} calls; * unfinished at the deadline "
          f"(speedup then compares page rates); waits: permits our limiter refused; cores: average CPU cores "
          f"each part kept busy, 'other' is the rest of the machine")


def cpu_ms_per_call(run: Run) -> dict[str, float]:
    return {part: run.cores[part] * run.observed_seconds / max(1, run.calls) * 1000
            for part in SHOWN_PARTS if part != "other" and part in run.cores}


def conclusion(baseline: Run, runs: list[Run], cores: int, pulls: int, latency: float) -> list[str]:
    threaded = sorted((run for run in runs if run.name.startswith("pipeline, 1 process")), key=lambda r: r.fetchers)
    efficiency = {run.fetchers: speedup(baseline, run) / run.fetchers for run in threaded}
    checked = [n for n in efficiency if n <= TARGET_UP_TO]
    missed = [n for n in checked if efficiency[n] < TARGET_PER_FETCHER]
    lines = [f"Target {TARGET_PER_FETCHER:g} x N up to N = {TARGET_UP_TO}: "
             + ("met (" if not missed else "MISSED (") + ", ".join(f"N={n}: {efficiency[n]:.2f} x N" for n in checked)
             + ")."]
    bend_run = next((run for run in threaded if efficiency[run.fetchers] < TARGET_PER_FETCHER), threaded[-1])
    per_call = cpu_ms_per_call(bend_run)
    heaviest = max(per_call, key=per_call.get)
    total = sum(per_call.values())
    ceiling = cores / (total / 1000) if total else math.inf
    where = (f"There is no bend to find: already at N = {bend_run.fetchers}"
             if bend_run is threaded[0] and efficiency[bend_run.fetchers] < TARGET_PER_FETCHER
             else f"The curve bends by N = {bend_run.fetchers}")
    lines.append(
        f"{where} the speedup per fetcher is {efficiency[bend_run.fetchers]:.2f}; the machine was "
        f"{bend_run.cores['machine']:.2f} of {cores} cores busy, {bend_run.cores[heaviest]:.2f} of them in the "
        f"{heaviest}" + (f" and {bend_run.cores['other']:.2f} outside this stack" if bend_run.cores["other"] > 0.1
                         else "") + ".")
    lines.append(
        f"CPU per call: {total:.0f} ms (" + ", ".join(f"{part} {ms:.1f}" for part, ms in
                                                     sorted(per_call.items(), key=lambda kv: -kv[1]))
        + f"), so {cores} cores carry at most ~{ceiling:.0f} calls/s, which {latency * 1000:.0f} ms calls reach at "
        f"N ~ {ceiling * latency:.1f}: past that more fetchers only queue for the {heaviest}.")
    launch = threaded[-1]
    lines.append(f"Launching the {pulls} pulls took {launch.launch_seconds:.2f} s "
                 f"(at N = {launch.fetchers}).")
    split = [run for run in runs if run not in threaded]
    for fetchers in sorted({run.fetchers for run in split}):
        same = sorted((run for run in runs if run.fetchers == fetchers), key=lambda run: -speedup(baseline, run))
        lines.append(f"N = {fetchers} by layout: " + ", ".join(
            f"{run.name.removeprefix('pipeline, ')} {speedup(baseline, run):.2f}x" for run in same)
            + f"; best: {same[0].name.removeprefix('pipeline, ')}.")
    return lines


def summary_line(baseline: Run, runs: list[Run], fetchers: int = TARGET_UP_TO) -> str:
    """'pipeline: cpu per call 61 ms (workers 22.8 ms, store 29.4 ms); N=16 0.19 x N', from the run
    with `fetchers` fetchers (one process per pool when there are several), else the nearest."""
    run = min(runs, key=lambda run: (abs(run.fetchers - fetchers), not run.name.startswith("pipeline, 1 process")))
    per_call = cpu_ms_per_call(run)
    return (f"pipeline: cpu per call {sum(per_call.values()):.0f} ms (workers {per_call.get('workers', 0.0):.1f} ms, "
            f"store {per_call.get('docstore', 0.0):.1f} ms); N={run.fetchers} "
            f"{speedup(baseline, run) / run.fetchers:.2f} x N")
