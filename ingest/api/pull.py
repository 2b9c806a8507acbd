"""Starting a job: `pull()` validates the parameters against the connector before anything is
sent, writes the job (spec, options, code version, created time) and its root nodes, publishes
the root tasks, and returns a `Job` at once.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from functools import lru_cache
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from ingest import connectors, credentials
from ingest.api.connection import runtime, says_when_down
from ingest.api.jobs import Job, checked_name
from ingest.errors import ParameterError, StackDownError
from ingest.jobtree.nodes import now_utc
from ingest.jobtree.states import JobState
from ingest.limits import known_limits_with_overrides
from ingest.settings import PROJECT_ROOT, Settings, get_settings

JOB_OPTIONS = {
    "fresh_for": "seconds: a record stored more recently than this is not fetched again",
    "limits": "rate limits instead of the source's published ones: {'requests': 100, 'window': 60.0}, "
              "a list of such, or [] for an unknown limit (learned adaptively)",
}


@lru_cache(maxsize=1)
def code_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    version = metadata.version("ingest-workbench")
    return f"{version}+{commit}" if commit else version


def _split_options(params: dict[str, Any]) -> tuple[dict, dict]:
    options = {name: params.pop(name) for name in list(params) if name in JOB_OPTIONS}
    fresh_for = options.get("fresh_for")
    if fresh_for is not None and (isinstance(fresh_for, bool) or not isinstance(fresh_for, (int, float)) or fresh_for < 0):
        raise ParameterError(f"fresh_for={fresh_for!r} must be a number of seconds (e.g. fresh_for=3600.0)")
    return params, options


REACH_TIMEOUT = 3.0  # seconds an API's host has to accept a connection


def _check_reachable(base_url: str, settings: Settings, timeout: float = REACH_TIMEOUT) -> None:
    """A TCP connect to the API's host: an address that does not answer fails here, before any
    task. The stack's own sandbox not answering is the stack's problem (StackDownError), not the
    address's."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParameterError(f"base_url={base_url!r} is not an http(s) URL; e.g. base_url='https://mastodon.social'")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        if _is_sandbox(parts.hostname, port, settings):
            raise StackDownError.of([("the sandbox", settings.sandbox_url)]) from None
        reason = error.strerror or type(error).__name__
        raise ParameterError(
            f"base_url {parts.scheme}://{parts.netloc} does not answer ({reason}); check the address, "
            "or start the service (the local sandbox: `ingest up --sandbox`)"
        ) from None


def _is_sandbox(host: str, port: int, settings: Settings) -> bool:
    sandbox = urlsplit(settings.sandbox_url)
    return port == sandbox.port and host in (sandbox.hostname, "localhost")


def _stack_for(base_url: str, settings: Settings):
    """The runtime, after the stack and the API's host answered; when the stack does not, the
    error names the sandbox too if the pull was for it and it does not answer either."""
    try:
        stack = runtime(settings)
    except StackDownError as down:
        try:
            _check_reachable(base_url, settings, timeout=0.5)
        except StackDownError as sandbox:
            raise StackDownError.of([*down.parts, *sandbox.parts]) from None
        except ParameterError:
            pass
        raise
    _check_reachable(base_url, settings)
    return stack


def validated(source: str, params: dict[str, Any]) -> tuple[connectors.Connector, dict, dict]:
    """The connector, the spec and the job options of a pull; ParameterError before anything is sent."""
    connector = connectors.get(source)
    params, options = _split_options(dict(params))
    spec = connector.validate(params)
    if "limits" in options:
        known_limits_with_overrides(connector.for_spec(spec).known_limits(spec), options["limits"])
    return connector, spec, options


@says_when_down
def pull(source: str, *, settings: Settings | None = None, name: str | None = None, dry_run: bool = False,
         **params: Any):
    """Start pulling from `source`; returns a Job at once. Bad parameters raise before anything is sent.
    `name` names the job: `ingest.job(name)` finds the latest job of that name. With dry_run=True
    nothing is sent and no job is made: the answer is the pull's `Estimate` (`ingest.estimate`)."""
    name = None if name is None else checked_name(name)
    connector, spec, options = validated(source, params)
    if dry_run:
        from ingest.api.estimate import estimate_of

        return estimate_of(connector, spec, options)
    settings = settings or get_settings()
    driven = connector.for_spec(spec)
    credentials.check_usable(connector.name, driven.credential_kinds(spec), driven.needs_credential(spec),
                             spec.get("credential"), settings)
    stack = _stack_for(spec["base_url"], settings)
    stack.ensure_record_indexes(connector.collections_for(spec))
    watermark = stack.jobs.watermark(connector.name, connector.query_key(spec)) if spec.get("incremental") else None
    roots = connector.for_spec(spec).start(spec, watermark)
    job_id = f"{connector.name}-{uuid.uuid4().hex[:12]}"
    stack.jobs.insert({
        "_id": job_id, "name": name, "source": connector.name, "queue": connector.queue, "spec": spec,
        "options": options,
        "state": JobState.RUNNING.value, "created": now_utc(), "finished": None,
        "code_version": code_version(), "watermark_at_start": watermark,
    })
    for node_id in stack.tree.add(job_id, roots, parent=None):
        stack.publisher.publish(job_id, node_id, connector.queue)
    return Job(job_id, settings)


