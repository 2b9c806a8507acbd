"""How the adaptive rate curves track a hidden limit that halves and doubles: a pure simulation.

No network and no Redis: a simulated clock, a simulated server that counts calls in fixed
one-second windows (as the sandbox's hidden limits do) and answers 429 past its limit R,
and a client that always has calls to make, paced by GCRA at the curve's rate (the rule the
Redis store applies). R is 20 calls per second, halves to 10 at 100 s and doubles back to
20 at 200 s. Printed per curve: % of R achieved (successful calls over the calls R allowed),
% of calls throttled, seconds to get under R after it halves, seconds until a second's
successful calls reach 80% of R after it doubles.

    .venv/bin/python bench/limits_adaptive_curves.py
"""

from __future__ import annotations

import heapq
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.limits.curves import AimdCurve, CubicCurve, PowerLawCurve, RateCurve, pace  # noqa: E402

PHASES = ((0.0, 20.0), (100.0, 10.0), (200.0, 20.0))
DURATION = 300.0
LATENCY = 0.05
CONCURRENCY = 16


def hidden_limit(now: float, phases: tuple[tuple[float, float], ...] = PHASES) -> float:
    return [limit for start, limit in phases if now >= start][-1]


@dataclass
class Run:
    ok: int = 0
    throttled: int = 0
    under_after_halving: float | None = None
    reached_after_doubling: float | None = None
    served: dict[int, int] = field(default_factory=dict)


def simulate(curve: RateCurve, phases: tuple[tuple[float, float], ...] = PHASES, duration: float = DURATION,
             latency: float = LATENCY, concurrency: int = CONCURRENCY) -> Run:
    """`phases`: (start, R) pairs; the halving is the second phase and the doubling the third."""
    run = Run()
    counted: dict[int, int] = {}
    state = curve.start(0.0)
    tat = None
    in_flight = 0
    events: list[tuple[float, int, str, float]] = [(0.0, 0, "try", 0.0)]
    order = 1
    halved_at, doubled_at = phases[1][0], phases[2][0]
    while events:
        now, _, kind, sent_at = heapq.heappop(events)
        if now >= duration:
            break
        if kind == "try":
            if in_flight >= concurrency:
                continue
            rate = curve.rate_at(state, now)
            if run.under_after_halving is None and halved_at <= now and rate <= hidden_limit(now, phases):
                run.under_after_halving = now - halved_at
            granted, wait, tat = pace(tat, now, rate)
            if granted:
                in_flight += 1
                second = int(now)
                counted[second] = counted.get(second, 0) + 1
                status = "429" if counted[second] > hidden_limit(now, phases) else "200"
                heapq.heappush(events, (now + latency, order, status, now))
                heapq.heappush(events, (now, order + 1, "try", 0.0))
            else:
                heapq.heappush(events, (now + wait, order + 1, "try", 0.0))
            order += 2
            continue
        in_flight -= 1
        if kind == "429":
            run.throttled += 1
            state = curve.after_signal(state, now, sent_at)
        else:
            run.ok += 1
            second = int(sent_at)
            run.served[second] = run.served.get(second, 0) + 1
            state = curve.after_success(state, now, sent_at)
        if in_flight == concurrency - 1:
            heapq.heappush(events, (now, order, "try", 0.0))
            order += 1
    for second in range(int(doubled_at), int(duration)):
        if run.served.get(second, 0) >= 0.8 * hidden_limit(second, phases):
            run.reached_after_doubling = second + 1 - doubled_at
            break
    return run


def allowed_calls(phases: tuple[tuple[float, float], ...] = PHASES, duration: float = DURATION) -> float:
    return sum(hidden_limit(float(second), phases) for second in range(int(duration)))


def main() -> None:
    curves = (PowerLawCurve(), AimdCurve(), CubicCurve())
    allowed = allowed_calls()
    print(f"hidden limit R: {' -> '.join(f'{r:g}/s at {t:g} s' for t, r in PHASES)}; "
          f"{DURATION:g} s simulated, latency {LATENCY * 1000:g} ms")
    print(f"{'curve':8} {'% of R':>8} {'% throttled':>12} {'s under R/2':>12} {'s to 80% of 2R':>15}")
    for curve in curves:
        run = simulate(curve)
        calls = run.ok + run.throttled
        under = f"{run.under_after_halving:.1f}" if run.under_after_halving is not None else "never"
        reached = f"{run.reached_after_doubling:.0f}" if run.reached_after_doubling is not None else "never"
        print(f"{curve.name:8} {100 * run.ok / allowed:8.1f} {100 * run.throttled / calls:12.2f} "
              f"{under:>12} {reached:>15}")


if __name__ == "__main__":
    main()
