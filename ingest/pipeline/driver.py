"""Running one node: the driver loop that owns all I/O around a pure connector.

In order: claim the node; skip it if its one record is stored and fresh; use the permit the
node was released with, or take one from the shared limiter (or wait for one in the waiting
room of its limit); make the call with connect and read timeouts; tell the limiter what the
API said; classify the answer; store the page's records; register the children and next page
in the tree; send those their limits allow now with their permits and park the others; mark
the node done. A failure is retried with jittered backoff when it may
pass, and fails the node (not the job) when not.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol
from urllib.parse import urlsplit

from redis.exceptions import RedisError

from ingest import connectors
from ingest.auth.token_source import TokenSource
from ingest.connectors.base import Connector, Page, Request, Response
from ingest.connectors.listing import credential_names
from ingest.connectors.classify import with_credential_named
from ingest.errors import (
    ConfigError, CredentialRefusedError, FetchError, MalformedResponseError, PermanentError, RateLimitedError, TransientError,
    UnknownNodeError,
)
from ingest.jobtree.completion import settle_job
from ingest.jobtree.nodes import now_utc
from ingest.jobtree.states import NodeState
from ingest.jobtree.tree import Tree
from ingest.limits import Limiter, LimitReading, LimitScope, Permit, Reason
from ingest.pipeline import http, permits
from ingest.pipeline.permits import LIMITER_DOWN_WAIT, Parking
from ingest.pipeline.access import Access, access_for, refusal
from ingest.pipeline.credential_pool import CredentialPool, credential_for, deal
from ingest.pipeline import limit_scope as limiting
from ingest.pipeline.retry import ExponentialJitterBackoff, StopAfterAttempt
from ingest.runtime import Runtime
from ingest.settings import Settings
from ingest.storage.job_documents import JobDocuments
from ingest.storage.record_writes import RecordWriter

log = logging.getLogger(__name__)

MAX_REFUSALS = 200  # calls of one node the API may refuse for its rate limit before the node fails
DEFAULT_REFUSAL_WAIT = 5.0
EARLY_TOLERANCE = 0.05
ERROR_TEXT_MAX = 500
JOBS_REMEMBERED = 1024
STALE_PERMIT = 2.0  # seconds: a permit older than this when its node runs is not used (it asks again)


class Publish(Protocol):
    def __call__(self, job_id: str, node_id: str, queue: str, delay: float = 0.0, exact: bool = False,
                 granted_at: float | None = None) -> None: ...


class Fetch(Protocol):
    def __call__(self, request: Request, headers: dict, connect_timeout: float, read_timeout: float) -> Response: ...


@dataclass
class Driver:
    """Runs nodes through its ports: the tree, the limiter, the publisher, the job documents,
    the record writer and the HTTP fetch."""

    settings: Settings
    tree: Tree
    publish: Publish
    jobs: JobDocuments
    records: RecordWriter
    limiter: Limiter | None = None
    tokens: TokenSource | None = None
    pool: CredentialPool | None = None
    parking: Parking | None = None
    fetch: Fetch = http.fetch
    backoff: ExponentialJitterBackoff = field(default_factory=ExponentialJitterBackoff)
    stop: StopAfterAttempt = field(default_factory=StopAfterAttempt)
    random: Callable[[], float] = random.random
    clock: Callable[[], float] = time.time
    _jobs: dict[str, dict] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, runtime: Runtime) -> Driver:
        return cls(settings=runtime.settings, tree=runtime.tree, publish=runtime.publisher.publish,
                   jobs=runtime.jobs, records=runtime.records, limiter=runtime.limiter,
                   tokens=runtime.tokens, pool=CredentialPool(runtime.redis),
                   parking=Parking(runtime.limiter, runtime.room))

    def run(self, job_id: str, node_id: str, recovering: bool = False, due: float | None = None,
            granted_at: float | None = None) -> NodeState | None:
        """Run one node; answers its state afterwards, or None when the node was not to run
        (not due yet, finished already, or running under another task; see `Tree.claim`).
        `granted_at`: the node was released from a waiting room with a permit granted then.
        UnknownNodeError when no job has the node."""
        if due is not None and due - self.clock() > EARLY_TOLERANCE:
            self._wait_until(job_id, node_id, due)
            return None
        node = self.tree.claim(job_id, node_id, recovering)
        if node is None:
            if recovering:
                self._close_job_if_idle(job_id)
            return None
        job = self._job(job_id)
        if job is None or node["job_cancelled"]:
            return self._end(job_id, node, NodeState.CANCELLED)
        spec = job["spec"]
        connector = connectors.get(job["source"]).for_spec(spec)
        request = Request.from_dict(node["request"])

        if request.target and self._fresh(request.target, job.get("options", {})):
            return self._end(job_id, node, NodeState.SKIPPED)

        names = self._pool(job_id, spec)
        if names == []:
            error = CredentialRefusedError(f"every credential of the pool ({', '.join(spec['credential'])}) "
                                           "was refused; fix them with `ingest credentials check NAME`")
            return self._failed(job_id, node, connector, error, calls=0)
        overrides = job.get("options", {}).get("limits")
        scope = limiting.scope_for(connector, spec, request, overrides, credential_for(request, names or []))
        permit = None
        if self.limiter is not None:
            permit = self._permit(job_id, node_id, connector.queue, scope, granted_at, recovering)
            if permit is None:
                return NodeState.WAITING
        try:
            page = self._call(connector, spec, request, scope, permit)
        except CredentialRefusedError as error:
            return self._refused(job_id, node, connector, spec, scope.credential, error)
        except RateLimitedError as error:
            return self._rate_limited(job_id, node, connector, scope, error)
        except FetchError as error:
            return self._failed(job_id, node, connector, error)
        except ConfigError as error:
            return self._failed(job_id, node, connector, PermanentError(str(error)), calls=0)
        return self._complete(job_id, node, connector, spec, request, page, names or [])

    def _permit(self, job_id: str, node_id: str, queue: str, scope: LimitScope, granted_at: float | None,
                recovering: bool) -> Permit | None:
        """The permit the node was released with, or one taken now; None when the node was
        parked to wait its turn. A released node whose message came back (its worker was lost)
        or came late asks again: its permit may have been spent, or its moment be past."""
        if granted_at is not None and not recovering and self.clock() - granted_at <= STALE_PERMIT:
            return Permit(True, 0.0, Reason.GRANTED.value, granted_at)
        permit = permits.permit_for(self.limiter, scope)
        if permit.granted:
            return permit
        self.tree.waited(job_id, node_id)
        self._wait_turn(job_id, [node_id], queue, scope, permit.wait)
        return None

    def _wait_turn(self, job_id: str, node_ids: list[str], queue: str, scope: LimitScope, wait: float) -> None:
        """Park the nodes in the waiting room of their limit; without one, they ask again later."""
        if self.parking is not None:
            try:
                self.parking.park(job_id, node_ids, queue, scope, wait)
                return
            except RedisError as error:
                log.warning("waiting room unavailable (%s); %d nodes ask again later", type(error).__name__,
                            len(node_ids))
        for node_id in node_ids:
            self.publish(job_id, node_id, queue, delay=max(wait, LIMITER_DOWN_WAIT))

    def _rate_limited(self, job_id: str, node: dict, connector: Connector, scope: LimitScope,
                      error: RateLimitedError) -> NodeState:
        """The API refused the call for its rate: the node waits its turn again (the limiter has
        heard the refusal), unless it has been refused too often."""
        if node.get("refusals", 0) >= MAX_REFUSALS:
            error = PermanentError(f"{error} (still rate limited after {MAX_REFUSALS} refusals)", status=error.status)
            return self._failed(job_id, node, connector, error)
        self.tree.refused(job_id, node["_id"], calls=1)
        wait = error.retry_after if error.retry_after is not None else DEFAULT_REFUSAL_WAIT
        self._wait_turn(job_id, [node["_id"]], connector.queue, scope, wait)
        return NodeState.WAITING

    def _pool(self, job_id: str, spec: dict) -> list[str] | None:
        """The credentials of the pull's pool still in it; None for a pull of one credential or none."""
        names = credential_names(spec)
        if len(names) < 2 or self.pool is None:
            return None
        return self.pool.usable(job_id, names)

    def _refused(self, job_id: str, node: dict, connector: Connector, spec: dict, name: str | None,
                 error: CredentialRefusedError) -> NodeState:
        """A credential refused for good leaves the pull's pool, and the node runs again with
        the others; a pull of one credential fails the node."""
        if self.pool is None or name is None or len(credential_names(spec)) < 2:
            return self._failed(job_id, node, connector, error)
        self.pool.leave(job_id, name)
        log.warning("node %s of job %s: credential %r leaves the pool: %s", node["_id"], job_id, name, error)
        self.tree.retrying(job_id, node, {**_describe(error, node["attempts"]), "kind": "credential_refused"},
                           calls=1)
        self.publish(job_id, node["_id"], connector.queue)
        return NodeState.RETRYING

    def _wait_until(self, job_id: str, node_id: str, due: float) -> None:
        """A node back before its due time is sent to wait the rest."""
        job = self._job(job_id)
        if job is None:
            raise UnknownNodeError(f"no job {job_id!r} for node {node_id!r}")
        self.publish(job_id, node_id, connectors.get(job["source"]).queue, delay=due - self.clock(), exact=True)

    def _call(self, connector: Connector, spec: dict, request: Request, scope: LimitScope,
              permit: Permit | None) -> Page:
        access = access_for(scope.credential, spec, request, self.settings, self.tokens)
        response = None
        error: FetchError | None = None
        sent = self.clock()
        try:
            response = self.fetch(request, access.headers(connector, spec), self.settings.connect_timeout,
                                  self.settings.read_timeout)
            if connector.token_refused(response):
                response, error = self._after_refusal(connector, spec, request, access, response)
            error = error or with_credential_named(connector.classify(response, self.clock()), scope.credential,
                                                   connector.name, connector.credential_kinds(spec))
        except TransientError as failure:
            error = failure
        if self.limiter is not None:
            reading = connector.read_limits(response, self.clock()) if response is not None else LimitReading()
            try:
                self.limiter.observe(scope, reading, limiting.outcome_of(response, error), permit=permit,
                                     latency=self.clock() - sent)
            except RedisError as failure:
                log.warning("limiter unavailable (%s); answer not recorded", type(failure).__name__)
        if error is not None:
            raise error
        return connector.parse(request, response, spec)

    def _after_refusal(self, connector: Connector, spec: dict, request: Request, access: Access,
                       response: Response) -> tuple[Response, FetchError | None]:
        """The API refused the token: renew it once and call again; a credential refused again,
        or one that cannot be renewed, fails the node naming the credential and the fix."""
        if access.token is not None:
            access = access.renewed(self.tokens.renew(access.credential, access.base_url, access.token))
            response = self.fetch(request, access.headers(connector, spec), self.settings.connect_timeout,
                                  self.settings.read_timeout)
            if not connector.token_refused(response):
                return response, None
        return response, refusal(connector, response, access)

    def _fresh(self, target: tuple[str, str], options: dict) -> bool:
        window = options.get("fresh_for")
        if not window:
            return False
        fetched = self.records.last_fetched(*target)
        newest_allowed = now_utc().timestamp() - float(window)
        return fetched is not None and fetched.timestamp() >= newest_allowed

    def _complete(self, job_id: str, node: dict, connector: Connector, spec: dict,
                  request: Request, page: Page, names: list[str]) -> NodeState:
        """Store the page, follow it, end the node: done, or failed when the store refused
        some of its records (the others are stored and the pages after it still followed)."""
        written = self.records.write(
            page.records, source=connector.name, host=urlsplit(request.url).netloc,
            endpoint=request.kind, job_id=job_id, fetched=now_utc(), owner=node["_id"],
        )
        follow = list(page.children)
        max_pages = spec.get("max_pages")
        if page.next is not None and (max_pages is None or page.next.page <= max_pages):
            follow.append(page.next)
        if follow and self.tree.cancelled(job_id):
            follow = []
        overrides = (self._job(job_id) or {}).get("options", {}).get("limits")
        follow = deal(follow, names, request)
        self._follow(job_id, node["_id"], connector, spec, overrides, follow, names)
        if written.refused:
            error = PermanentError(_refusal_text(request, written.refused))
            log.warning("node %s of job %s: %s", node["_id"], job_id, error)
            return self._end(job_id, node, NodeState.FAILED, calls=1, records=written.records,
                             new_records=written.new, error={**_describe(error, node["attempts"]), "kind": "refused"})
        return self._end(job_id, node, NodeState.DONE, calls=1, records=written.records, new_records=written.new,
                         watermark=page.watermark)

    def _follow(self, job_id: str, parent: str, connector: Connector, spec: dict, overrides,
                follow: list[Request], names: list[str]) -> None:
        """Register the requests to follow as the parent's children; send those their limits
        allow now, with their permits, and park the others in their limits' waiting rooms."""
        admissions = None
        if self.parking is not None and follow:
            try:
                admissions = self.parking.admit(connector, spec, overrides, follow,
                                                lambda request: credential_for(request, names))
            except RedisError as error:
                log.warning("limiter unavailable (%s); %d requests ask when they run", type(error).__name__, len(follow))
        child_ids = self.tree.add(job_id, follow, parent=parent,
                                  waiting=[admission.parked for admission in admissions] if admissions else ())
        if admissions is None:
            for child_id in child_ids:
                self.publish(job_id, child_id, connector.queue)
            return
        parked: dict[LimitScope, list[str]] = {}
        due: dict[LimitScope, float] = {}
        for child_id, admission in zip(child_ids, admissions):
            if admission.parked:
                parked.setdefault(admission.scope, []).append(child_id)
                due[admission.scope] = admission.due
            else:
                self.publish(job_id, child_id, connector.queue, granted_at=admission.granted_at)
        for scope, ids in parked.items():
            self._wait_turn(job_id, ids, connector.queue, scope, max(0.0, due[scope] - self.parking.limiter.now()))

    def _failed(self, job_id: str, node: dict, connector: Connector, error: FetchError,
                calls: int = 1) -> NodeState:
        node_id = node["_id"]
        attempt = node["attempts"]
        if isinstance(error, TransientError) and not self.stop(attempt):
            delay = self.backoff(attempt, self.random)
            self.tree.retrying(job_id, node, _describe(error, attempt), calls=calls)
            self.publish(job_id, node_id, connector.queue, delay=delay, exact=True)
            return NodeState.RETRYING
        log.warning("node %s of job %s failed: %s", node_id, job_id, error)
        return self._end(job_id, node, NodeState.FAILED, calls=calls, error=_describe(error, attempt))

    def _job(self, job_id: str) -> dict | None:
        """The job's source, spec and options, which never change: read once per process."""
        job = self._jobs.get(job_id)
        if job is None:
            job = self.jobs.get(job_id, ["source", "spec", "options"])
            if job is None:
                return None
            if len(self._jobs) >= JOBS_REMEMBERED:
                self._jobs.clear()
            self._jobs[job_id] = job
        return job

    def _end(self, job_id: str, node: dict, outcome: NodeState, **result) -> NodeState:
        """Record the node's outcome; the step that leaves no node live ends the job too."""
        if self.tree.finish(job_id, node, outcome, **result):
            self._close_job_if_idle(job_id)
        return outcome

    def _close_job_if_idle(self, job_id: str) -> None:
        """End the job if no node is live: after the step that ended its last node, and on the
        redelivered message of a node that finds nothing to run (a worker lost between ending
        the job's last node and ending the job left it running)."""
        settle_job(self.jobs, self.tree, job_id, self.tree.counts(job_id))


def _refusal_text(request: Request, refused: list[tuple[str, str]]) -> str:
    keys = ", ".join(key for key, _ in refused[:5]) + (" ..." if len(refused) > 5 else "")
    text = (f"the document store refused {len(refused)} record(s) of {request.url} ({keys}): "
            f"{refused[0][1]}")
    return text[:ERROR_TEXT_MAX]


# A subclass is recorded as the branch of the error tree it belongs to (TimedOutError: transient).
ERROR_KINDS = (
    (TransientError, "transient"), (RateLimitedError, "rate_limited"),
    (CredentialRefusedError, "credential_refused"), (PermanentError, "permanent"), (MalformedResponseError, "malformed"),
)


def _describe(error: FetchError, attempt: int) -> dict:
    kind = next((name for branch, name in ERROR_KINDS if isinstance(error, branch)), type(error).__name__)
    return {"kind": kind, "status": error.status, "message": str(error), "attempt": attempt}
