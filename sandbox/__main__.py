"""`python -m sandbox --host 127.0.0.1 --port 8780 [--scenario FILE] [--seed N] [--size N]`"""

from __future__ import annotations

import argparse
import sys

from sandbox.scenario import ScenarioError, load_scenario_file
from sandbox.server import serve
from sandbox.state import DEFAULT_SEED, DEFAULT_SIZE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox",
                                     description="Local stand-in for the Mastodon, Reddit, Hacker News, "
                                                 "Bluesky and GitHub APIs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--scenario", help="YAML or JSON scenario file (see sandbox/README.md)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="items per API")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.size < 100:
        parser.error("--size must be at least 100")
    scenario = None
    if args.scenario:
        try:
            scenario = load_scenario_file(args.scenario)
        except (OSError, ScenarioError, ValueError) as error:
            print(f"cannot use scenario {args.scenario}: {error}", file=sys.stderr)
            return 2
    serve(args.host, args.port, scenario=scenario, seed=args.seed, size=args.size,
          access_log=args.access_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
