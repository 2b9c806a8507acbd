"""The `ingest` commands about jobs: pull, jobs, show, rerun, cancel, export, sources."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import warnings
from typing import Callable

from ingest.view.words import time_words
from ingest.api import cli_params
from ingest.errors import ParameterError
from ingest.jobtree.waiting import poll_until
from ingest.settings import Settings
from ingest.view.error_rows import wrapped
from ingest.view.snapshot import refusal_share_text, refusals_text

FOLLOW_INTERVAL = 0.5

EXPORT_FORMATS = ("parquet", "csv", "jsonl")
BAR_WIDTH = 30
SHOW_WIDTH = 100


def parse_params(words: list[str], source: str | None = None) -> dict:
    """`--name value` (or `--name=value`) pairs after the source, each value read as the type
    `source` declares for it (see `ingest.api.cli_params`); `--flag` alone is True."""
    grouped = cli_params.group_words(words)
    declared = (cli_params.declared_params(source, grouped) if source is not None
                else {param.name: param for param in cli_params.COMMAND_OPTIONS})
    return cli_params.read_params(grouped, declared)


def progress_line(snapshot) -> str:
    filled = int(BAR_WIDTH * min(1.0, snapshot.progress or 0.0))
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    toward = "  ".join(filter(None, (snapshot.progress_text(), snapshot.eta_text())))
    totals = snapshot.totals
    return (f"[{bar}] {toward}  {totals['records']:,} records  {totals['calls']:,} calls  "
            f"{totals['waits']:,} waits  {refusals_text(totals)}  {totals['errors']:,} errors  "
            f"{sum(snapshot.parked.values()):,} parked  {snapshot.state.value}") + _next_call(snapshot)


def _next_call(snapshot) -> str:
    wait = snapshot.wait
    if wait is None or wait.next_in is None:
        return ""
    return f"  next call {'within' if wait.at_most else 'in'} {time_words(wait.next_in)}"


def wait_lines(snapshot) -> list[str]:
    """['waiting on GitHub: ... · next call ...', 'would help: a credential ... (how)'], or [] when nothing waits."""
    if snapshot.wait is None:
        return []
    return [snapshot.wait.line()] + ([snapshot.wait.help_line()] if snapshot.wait.remedies else [])


def _wait_said(snapshot) -> tuple:
    """What a wait says, apart from its countdown: a new reason is printed again, a later moment is not."""
    wait = snapshot.wait
    return () if wait is None else (wait.service, wait.limit, wait.cause, wait.help_line())


def fitted(line: str, width: int) -> str:
    """The line cut to the terminal's width and padded to it, so a redraw leaves nothing behind."""
    room = max(width - 1, 10)
    return line[:room - 1] + "…" if len(line) > room else line.ljust(room)


def _pull(settings: Settings, args: argparse.Namespace) -> int:
    import ingest

    params = parse_params(args.params, args.source)
    # Options of the command itself may come after the source's parameters.
    no_wait = bool(params.pop("no_wait", args.no_wait))
    timeout = params.pop("timeout", args.timeout)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))):
        raise ParameterError(f"--timeout {timeout!r} must be a number of seconds, e.g. --timeout 600")
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        job = ingest.pull(args.source, settings=settings, **params)
    for note in notes:
        print(f"note: {note.message}", file=sys.stderr)
    if params.get("dry_run"):  # the pull's estimate: nothing was sent
        print(repr(job))
        return 0
    print(f"job {job.id}", file=sys.stderr)
    if no_wait:
        print(job.id)
        return 0
    return _follow(job, None if timeout is None else float(timeout))


def _follow(job, timeout: float | None, sleep: Callable[[float], None] = time.sleep) -> int:
    interactive = sys.stderr.isatty()
    said: list[tuple] = [()]

    def read():
        snapshot = job.snapshot()
        if interactive:
            width = shutil.get_terminal_size().columns
            if snapshot.wait is not None and _wait_said(snapshot) != said[0]:  # a new reason: said once, above the bar
                print("\r" + " " * (width - 1) + "\r" + "\n".join(wait_lines(snapshot)), file=sys.stderr)
            said[0] = _wait_said(snapshot)
            print("\r" + fitted(progress_line(snapshot), width), end="", file=sys.stderr, flush=True)
        return snapshot

    try:
        snapshot, ended = poll_until(read, lambda snapshot: snapshot.ended, timeout, FOLLOW_INTERVAL,
                                     sleep=sleep)
    except KeyboardInterrupt:
        print(f"\nstopped following; job {job.id} goes on (`ingest cancel {job.id}` stops it)", file=sys.stderr)
        return 130
    if not ended:
        print(f"\njob {job.id} still running after {timeout:g} s; `ingest show {job.id}` follows it", file=sys.stderr)
        return 2
    if interactive:
        print(file=sys.stderr)
    print(snapshot.as_text())
    return 0 if snapshot.state.value == "completed" else 1


def _jobs(settings: Settings, args: argparse.Namespace) -> int:
    import ingest

    table = ingest.jobs(limit=args.limit, source=args.source, state=args.state, name=args.name, settings=settings)
    if table.empty:
        print("no jobs yet; start one with `ingest pull SOURCE --param value`" if not (args.source or args.state or args.name)
              else "no job matches; `ingest jobs` lists them all")
        return 0
    names = [row_name if isinstance(row_name, str) else "-" for row_name in table["name"]]
    width = max(4, *map(len, names))
    print(f"{'job':<26} {'name':<{width}} {'state':<22} {'created (UTC)':<20} {'nodes':>7} {'records':>9} {'calls':>7} "
          f"{'waits':>7} {'refusals':>8} {'of calls':>8} {'errors':>6}")
    for name, row in zip(names, table.itertuples(index=False)):
        counts = {"calls": row.calls, "refusals": row.refusals}
        created = row.created.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{row.id:<26} {name:<{width}} {row.state:<22} {created:<20} {row.nodes:>7} "
              f"{row.records:>9,} {row.calls:>7,} {row.waits:>7,} {row.refusals:>8,} "
              f"{refusal_share_text(counts) or '-':>8} {row.errors:>6}")
    return 0


def _show(settings: Settings, args: argparse.Namespace) -> int:
    import ingest

    job = ingest.job(args.job, settings=settings)
    if args.follow:
        return _follow(job, None)
    snapshot = job.snapshot()
    if args.json:
        print(json.dumps({**snapshot.to_dict(), "spec": job.spec}, indent=2, default=str))
    else:
        print(snapshot.as_text(width=SHOW_WIDTH, wrap=True))
        for line in wrapped(snapshot.rerun_hint(), SHOW_WIDTH):
            print(line)
        print("spec: " + json.dumps(job.spec, default=str))
    return 0


def _rerun(settings: Settings, args: argparse.Namespace) -> int:
    import ingest

    job = ingest.job(args.job, settings=settings)
    count = job.rerun(failed_only=not args.all)
    print(f"{count} node(s) of {job.id} queued again" if count else f"nothing to rerun in {job.id}")
    return 0


def _cancel(settings: Settings, args: argparse.Namespace) -> int:
    import ingest

    job = ingest.job(args.job, settings=settings)
    job.cancel()
    print(f"{job.id} cancelled; nodes not yet running will not be fetched")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    import ingest
    from ingest.api.cli_export import export_job

    job = ingest.job(args.job, settings=settings)
    lines = export_job(job, args.format, args.collection, args.output, args.force, settings.data_dir / "exports")
    print(f"records of {job.id} written:")
    for line in lines:
        print(line)
    return 0


def _sources(settings: Settings, args: argparse.Namespace) -> int:
    from ingest import connectors

    if args.source:
        print(connectors.describe(args.source))
    else:
        for name in connectors.names():
            connector = connectors.get(name)
            print(f"{name:<12} {connector.default_base_url or '(base_url required)':<38} "
                  f"{', '.join(param.name for param in connector.params)}")
        print("\n`ingest sources NAME` shows each parameter's type, default and help")
    return 0


def add_job_commands(commands) -> None:
    pull = commands.add_parser("pull", help="start a pull and follow it with a progress bar",
                               description="e.g. ingest pull mastodon --base_url http://127.0.0.1:17603/mastodon "
                                           "--tag python --limit 500")
    pull.add_argument("source", help="a source name (`ingest sources` lists them)")
    pull.add_argument("params", nargs=argparse.REMAINDER, help="--name value pairs: the source's parameters")
    pull.add_argument("--no-wait", action="store_true", help="print the job id and return at once")
    pull.add_argument("--timeout", type=float, help="stop following after this many seconds")
    pull.set_defaults(handler=_pull)

    jobs = commands.add_parser("jobs", help="the latest jobs")
    jobs.add_argument("--limit", type=int, default=20)
    jobs.add_argument("--source")
    jobs.add_argument("--state")
    jobs.add_argument("--name", help="only jobs of this name (`pull ... --name NAME`)")
    jobs.set_defaults(handler=_jobs)

    show = commands.add_parser("show", help="one job: states, counters, recent errors")
    show.add_argument("job")
    show.add_argument("--json", action="store_true")
    show.add_argument("--follow", action="store_true", help="follow it with a progress bar until it ends")
    show.set_defaults(handler=_show)

    rerun = commands.add_parser("rerun", help="run a job's failed nodes again")
    rerun.add_argument("job")
    rerun.add_argument("--all", action="store_true", help="cancelled nodes too")
    rerun.set_defaults(handler=_rerun)

    cancel = commands.add_parser("cancel", help="stop a job: nodes not yet running are not fetched")
    cancel.add_argument("job")
    cancel.set_defaults(handler=_cancel)

    export = commands.add_parser("export", help="write a job's records to files, one per collection")
    export.add_argument("job", help="a job id or name")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="parquet")
    export.add_argument("--collection", help="only this collection (e.g. reddit_comments); default: every one "
                                             "holding records of the job")
    export.add_argument("--output", help="the file for one collection, or a folder ending in '/' "
                                         "(default: data/exports/JOB.COLLECTION.FORMAT)")
    export.add_argument("--force", action="store_true", help="write over files that exist")
    export.set_defaults(handler=_export)

    sources = commands.add_parser("sources", help="what can be pulled, and each source's parameters")
    sources.add_argument("source", nargs="?")
    sources.set_defaults(handler=_sources)
