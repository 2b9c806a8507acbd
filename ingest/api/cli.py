"""The `ingest` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ingest.api.cli_credentials import add_credential_commands
from ingest.api.cli_jobs import add_job_commands
from ingest.errors import IngestError
from ingest.settings import Settings
from ingest.stack_credentials import stack_credentials_path


def _up(settings: Settings, args: argparse.Namespace) -> int:
    from ingest import stack

    started = time.perf_counter()
    stack.up(settings, sandbox=args.sandbox, flower=args.flower)
    print(f"the stack is up ({time.perf_counter() - started:.1f} s); data in {settings.data_dir}")
    if args.flower and settings.stack_credentials is not None:
        print(f"Flower: {settings.flower_url} (user {settings.stack_credentials.flower_user}; its password is "
              f"flower_password in {stack_credentials_path(settings.data_dir)})")
    return 0


def _down(settings: Settings, args: argparse.Namespace) -> int:
    from ingest import stack

    stack.down(settings)
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from ingest import stack

    parts = stack.status(settings)
    healthy = all(part.healthy for part in parts.values())
    limits = _limits(settings) if parts.get("redis") is not None and parts["redis"].healthy else {}
    if args.json:
        print(json.dumps({"healthy": healthy, "parts": {n: p.as_dict() for n, p in parts.items()},
                          "limits": limits}, indent=2, default=str))
    else:
        width = max(map(len, parts), default=0)
        for part in parts.values():
            mark = "ok " if part.healthy else "-- "
            pid = part.pid if part.pid else "-"
            print(f"{mark}{part.name:<{width}} {part.state.value:<9} pid {pid!s:<8} {part.url}  {part.detail}")
        if limits:
            print("\nrate limits (shared by every worker)")
            for line in limit_lines(limits):
                print("  " + line)
    return 0 if healthy else 1


def _limits(settings: Settings) -> dict:
    """The limiter's state per source and host, from Redis; empty when it cannot be read."""
    import redis

    from ingest.limits import Limiter

    try:
        return Limiter(redis.Redis.from_url(settings.redis_url, socket_timeout=3.0)).snapshot()
    except redis.RedisError:
        return {}


def limit_lines(limits: dict) -> list[str]:
    """One line per source and host: mode, current rate, limit and whose number it is (the API's,
    the user's or the connector's default), remaining, reset, the API's refusals, and our limiter's grants
    and denials (paced asks)."""
    def figure(value, unit: str = "") -> str:
        return "-" if value is None else (f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}")

    lines = [f"{'source':<11} {'host':<24} {'mode':<9} {'rate/s':>7} {'limit':>6} {'set_by':<7} {'remaining':>9} "
             f"{'reset s':>8} {'refusals':>9} {'granted':>8} {'denied':>7}"]
    for source, hosts in sorted(limits.items()):
        for host, entry in sorted(hosts.items()):
            lines.append(f"{source:<11} {host[:24]:<24} {entry['mode']:<9} {figure(entry['rate']):>7} "
                         f"{figure(entry['limit']):>6} {entry.get('set_by') or '-':<7} "
                         f"{figure(entry['remaining']):>9} {figure(entry['reset']):>8} "
                         f"{entry['refusals']:>9} {entry['granted']:>8} {entry['denied']:>7}")
    return lines


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    command = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(args.port or settings.port("sandbox"))]
    if args.scenario:
        command += ["--scenario", args.scenario]
    os.execv(sys.executable, command)
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.api.demo import run

    return run(settings)


def _lab(settings: Settings, args: argparse.Namespace) -> int:
    from ingest import stack
    from ingest.api.lab import run_lab

    parts = stack.status(settings).values()
    silent = [part.name for part in parts if not part.healthy]
    if silent:
        what = "the stack is not running" if len(silent) == len(parts) else f"{', '.join(silent)} do not answer"
        print(f"note: {what} (port base {settings.port_base}); `ingest up --sandbox` starts it; the lab starts anyway")
    return run_lab(settings, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ingest", description="Pull social and REST API data into MongoDB.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the local stack and wait until every part answers")
    up.add_argument("--sandbox", action="store_true", help="also run the local API sandbox")
    up.add_argument("--flower", action="store_true", help="also run Flower, the Celery monitor, on loopback")
    up.set_defaults(handler=_up)

    down = commands.add_parser("down", help="stop the local stack (data/ is kept)")
    down.set_defaults(handler=_down)

    status = commands.add_parser("status", help="what runs and whether it answers")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_status)

    sandbox = commands.add_parser("sandbox", help="run the API sandbox in the foreground")
    sandbox.add_argument("--port", type=int, help="port on 127.0.0.1 (default: INGEST_PORT_BASE+3)")
    sandbox.add_argument("--scenario", help="a scenario file (YAML or JSON): limits and faults")
    sandbox.set_defaults(handler=_sandbox)

    demo = commands.add_parser("demo", help="run one task end to end and say what ran where")
    demo.set_defaults(handler=_demo)

    lab = commands.add_parser("lab", help="JupyterLab on notebooks/, on loopback, against this stack")
    lab.add_argument("--port", type=int, help="port on 127.0.0.1 (default: INGEST_PORT_BASE+7)")
    lab.set_defaults(handler=_lab)

    add_job_commands(commands)
    add_credential_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.handler(settings, args)
    except IngestError as error:
        print(f"ingest {args.command}: " + " ".join(str(error).split("\n")), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`ingest jobs | head`): nothing left to say
        _silence_stdout()
        return 141


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # a stdout without a file descriptor
        sys.stdout = open(os.devnull, "w")


if __name__ == "__main__":
    sys.exit(main())
