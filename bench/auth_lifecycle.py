"""Token lifecycles: a Reddit pull and a Bluesky pull that outlive their tokens several times.

Two pulls on the sandbox, one after the other, each on its source's pool of two worker
processes of 8 threads (16 threads calling at once):

- Reddit: r/python's newest posts with every comment tree (`with_comments=True`), with a
  `reddit_script` credential (password grant at the sandbox's `/api/v1/access_token`);
- Bluesky: a post search with every reply thread (`with_threads=True`), with a
  `bluesky_app_password` credential (`createSession`, then `refreshSession`).

The scenario gives both tokens a lifetime of TTL seconds (`auth: {token_ttl}`, 20 by default)
and every call a fixed latency, so each pull lasts at least 3 lifetimes. Workers renew a token
a tenth of its life before it ends, but at least 2 s (a quarter of a life under 8 s) before: a
20 s token is used for 18 s, while a 3 s one is used for 2.25 s only, which makes 4 grants per 3
lifetimes and cannot meet the target (real lifetimes are an hour or two: 1 to 2 % ahead). The sandbox counts, per account, the
grants (Reddit: access_token answers; Bluesky: createSession answers, i.e. new sessions), the
refreshes (Bluesky's refreshSession) and the calls it refused for an expired token. Lifetimes =
a pull's duration / TTL, rounded down.

Baseline: one grant per lifetime, the least a fleet can make without calling with an expired
token. Target: both jobs completed with no failed node, Reddit grants and Bluesky sessions at
most lifetimes + 2 (Bluesky, which refreshes, should need one session). A missed target prints
MISSED; only a run that could not measure exits non-zero. Ports from 21000, data in
data/bench-auth; the stack is stopped at the end.

Run: `make bench BENCH=auth_lifecycle` or `.venv/bin/python bench/auth_lifecycle.py [--ttl 20]`;
about four minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from own_stack import ROOT, own_stack

sys.path.insert(0, str(ROOT))

DATA_NAME = "bench-auth"
PORT_BASE = 21000
WORKER_PROCESSES = 2
WORKER_THREADS = 8
LATENCY = {"reddit": 1.3, "bsky": 1.5}  # seconds a call, so that each pull lasts over 3 lifetimes of 20 s
MIN_LIFETIMES = 3
SPARE_GRANTS = 2
OPEN_LIMIT = {"requests": 100_000, "window": 10.0}
OPEN_SANDBOX_LIMIT = [{"limit": 1_000_000, "window": 60.0, "scope": "global"}]
REDDIT_ACCOUNT = "bench_reader"
BLUESKY_ACCOUNT = "bench-reader.bsky.social"


@dataclass(frozen=True)
class Pull:
    """One measured pull: the source's query, its credential, and the sandbox's name for it."""

    label: str
    source: str
    api: str
    credential: dict
    account: str
    params: dict


PULLS = (
    Pull("reddit", "reddit", "reddit",
         {"kind": "reddit_script", "client_id": "bench-client", "client_secret": "bench-client-secret",
          "username": REDDIT_ACCOUNT, "password": "bench-reddit-password"},
         REDDIT_ACCOUNT, {"subreddit": "python", "limit": 1000, "with_comments": True}),
    Pull("bluesky", "bluesky", "bsky",
         {"kind": "bluesky_app_password", "identifier": BLUESKY_ACCOUNT, "password": "bench-app-password"},
         BLUESKY_ACCOUNT, {"q": "python", "limit": 2199, "with_threads": True}),  # every match
)


@dataclass(frozen=True)
class Outcome:
    pull: Pull
    state: str
    failed: int
    seconds: float
    calls: int
    auth: dict

    def lifetimes(self, ttl: int) -> int:
        return int(self.seconds // ttl)


def scenario(ttl: int) -> dict:
    return {"apis": {api: {"latency": {"fixed": latency}, "rate_limits": OPEN_SANDBOX_LIMIT, "auth": {"token_ttl": ttl}}
                     for api, latency in LATENCY.items()}}


def run_pull(pull: Pull, settings, admin) -> Outcome:
    import ingest
    from ingest import credentials
    from ingest.auth.kinds import parse_credential
    from sandbox.counters import credential_hash

    name = f"bench-{pull.label}"
    credentials.save(name, parse_credential(name, pull.credential, "the benchmark"), settings)
    calls_before = admin.calls(pull.api)
    started = time.perf_counter()
    job = ingest.pull(pull.source, base_url=f"{settings.sandbox_url}/{pull.api}", credential=name,
                      limits=OPEN_LIMIT, settings=settings, **pull.params)
    status = job.wait(timeout=900, poll=0.1)
    seconds = time.perf_counter() - started
    counters = admin.counters()
    auth = counters["auth"].get(pull.api, {}).get(credential_hash(pull.account), {})
    return Outcome(pull, status["state"], status["nodes"].get("failed", 0), seconds,
                   counters["by_api"].get(pull.api, 0) - calls_before, auth)


def report(outcomes: list[Outcome], ttl: int) -> bool:
    print(f"{'':8s} {'state':>10s} {'failed':>6s} {'seconds':>8s} {'lifetimes':>9s} {'calls':>6s} "
          f"{'grants':>6s} {'refreshes':>9s} {'expired refusals':>16s} {'failures':>8s}")
    met = True
    for outcome in outcomes:
        auth = outcome.auth
        print(f"{outcome.pull.label:8s} {outcome.state:>10s} {outcome.failed:6d} {outcome.seconds:8.1f} "
              f"{outcome.lifetimes(ttl):9d} {outcome.calls:6d} {auth.get('grants', 0):6d} "
              f"{auth.get('refreshes', 0):9d} {auth.get('expired_refusals', 0):16d} {auth.get('failures', 0):8d}")
        long_enough = outcome.lifetimes(ttl) >= MIN_LIFETIMES
        ended_well = outcome.state == "completed" and outcome.failed == 0
        few_grants = auth.get("grants", 0) <= outcome.lifetimes(ttl) + SPARE_GRANTS
        print(f"  target: completed with no failed node ... {'met' if ended_well else 'MISSED'}; "
              f"grants <= lifetimes + {SPARE_GRANTS} ... {'met' if few_grants else 'MISSED'}; "
              f"at least {MIN_LIFETIMES} lifetimes ... {'met' if long_enough else 'MISSED (the pull was too short)'}")
        met = met and long_enough and ended_well and few_grants
    return met


def measure(ttl: int) -> list[Outcome]:
    from ingest.settings import Settings
    from tests.sandbox_admin import SandboxAdmin

    settings = Settings.from_env()
    admin = SandboxAdmin(settings.sandbox_url)
    admin.reset()
    admin.scenario(scenario(ttl))
    latencies = ", ".join(f"{api} {seconds * 1000:.0f} ms" for api, seconds in LATENCY.items())
    print(f"token lifetime {ttl} s (Reddit and Bluesky); a call takes {latencies}; "
          f"{WORKER_PROCESSES} worker processes x {WORKER_THREADS} threads per source", flush=True)
    outcomes = []
    for pull in PULLS:
        outcomes.append(run_pull(pull, settings, admin))
        print(f"{pull.label}: {outcomes[-1].state} in {outcomes[-1].seconds:.1f} s", flush=True)
    return outcomes


def last_line(reddit: Outcome, bluesky: Outcome, ttl: int) -> str:
    return (f"auth lifecycle: reddit {reddit.state} failed={reddit.failed} grants={reddit.auth.get('grants', 0)} "
            f"lifetimes={reddit.lifetimes(ttl)}; bluesky {bluesky.state} failed={bluesky.failed} "
            f"sessions={bluesky.auth.get('grants', 0)} lifetimes={bluesky.lifetimes(ttl)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl", type=int, default=20, help="token lifetime, whole seconds")
    args = parser.parse_args()
    if args.ttl < 1:
        parser.error("give a lifetime of at least 1 second")
    with own_stack(DATA_NAME, PORT_BASE, INGEST_WORKER_PROCESSES=str(WORKER_PROCESSES),
                   INGEST_WORKER_CONCURRENCY=str(WORKER_THREADS)):
        outcomes = measure(args.ttl)
    report(outcomes, args.ttl)
    print(last_line(*outcomes, args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
