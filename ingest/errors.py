"""Every exception the workbench raises, split by what the caller can do about it.

    IngestError
    ├── UsageError              give up and fix the input; nothing was sent
    │   ├── UnknownSourceError      no connector by that name
    │   ├── ParameterError          unknown, missing or mistyped parameter or pull option
    │   ├── UnknownJobError         no job with that id
    │   └── ConfigError             a setting, credential or credentials file is wrong
    ├── UnknownNodeError        a task names a node no job has: its message can never run
    ├── StorageError            the document store refused or dropped a write: the task retries
    │   ├── StoreWriteError         upserts kept colliding with concurrent inserts
    │   └── TransientWriteError     the store refused a write with an error that may pass
    ├── StackError              fix the services, then try again
    │   ├── PortInUseError          a port the stack needs is taken
    │   ├── MissingBinaryError      a server program is not installed
    │   ├── ServiceUnavailableError a server does not answer its health check
    │   │   └── StackDownError          a part a client needs does not answer: `ingest up`
    │   ├── SupervisorStartError    supervisord, which runs the local servers, did not start
    │   └── QueueBusyError          a task queue kept taking messages while declared anew
    └── FetchError              raised for one node while fetching one page
        ├── TransientError          retry with backoff (5xx, timeouts, dropped connections)
        │   └── TimedOutError           no answer within the connect or read timeout
        ├── RateLimitedError        wait `retry_after` seconds, then retry; not a failed attempt
        ├── PermanentError          give up on the node (400, 401, 403, 404, ...)
        │   └── CredentialRefusedError  the credential itself was refused: fix it
        └── MalformedResponseError  give up on the node (bad JSON, HTML with status 200, ...)

Messages name the problem and the fix. They never contain a credential: URLs are shown with
their password masked (see `ingest.settings.mask_url`).
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error the workbench raises."""


class UsageError(IngestError, ValueError):
    """The input is wrong; nothing was sent. Fix the call and try again."""


class UnknownSourceError(UsageError, LookupError):
    """No connector is registered under that name."""


class ParameterError(UsageError):
    """A parameter or pull option (`limits=`, `fresh_for=`) is unknown, missing, or of the wrong type."""


class UnknownJobError(UsageError, LookupError):
    """No job has that id."""


class ConfigError(UsageError):
    """A setting, credential or credentials file is invalid."""


class UnknownNodeError(IngestError, LookupError):
    """A task names a job or node that does not exist; running it again cannot help."""


class StorageError(IngestError):
    """The document store refused or dropped a write; running the step again may pass."""


class StoreWriteError(StorageError):
    """Upserts kept colliding with concurrent inserts of the same records."""


class TransientWriteError(StorageError):
    """The store answered a write with an error that is neither a duplicate key nor a record
    it can never hold (a busy or restarting store); `code` is the store's error code."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class StackError(IngestError, RuntimeError):
    """A service the workbench needs is missing, misconfigured, busy or not answering."""


class PortInUseError(StackError):
    """A port the stack needs is already taken by another process."""


class MissingBinaryError(StackError):
    """A server program the stack needs is not installed."""


class ServiceUnavailableError(StackError):
    """A service did not answer its health check in time."""


class StackDownError(ServiceUnavailableError):
    """A part of the stack a client needs (document store, Redis, RabbitMQ, sandbox) does not
    answer. `parts` holds (part, URL with its password masked) pairs; `of(parts)` makes the
    message that names each and the fix."""

    def __init__(self, message: str, parts: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.parts = tuple(parts)

    @classmethod
    def of(cls, parts: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> StackDownError:
        return cls(_down_text(tuple(parts)), tuple(parts))


def _down_text(parts: tuple[tuple[str, str], ...]) -> str:
    named = [f"{part} ({url})" for part, url in parts]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb = "does" if len(named) == 1 else "do"
    command = "ingest up --sandbox" if any(part == "the sandbox" for part, _ in parts) else "ingest up"
    return f"{listed} {verb} not answer: start the stack with `{command}` (`ingest status` shows each part)"


class SupervisorStartError(StackError):
    """supervisord, which runs the local servers, exited instead of starting."""


class QueueBusyError(StackError):
    """A task queue kept taking new messages while it was being declared with new arguments."""


class FetchError(IngestError):
    """Fetching one page failed. `status` is the HTTP status when there was an answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientError(FetchError):
    """A failure that is likely to pass: retry with jittered exponential backoff."""


class TimedOutError(TransientError):
    """No answer came within the connect or read timeout: also a sign of an unpublished limit."""


class RateLimitedError(FetchError):
    """The API said to slow down. Wait `retry_after` seconds (None: unknown), then retry."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class PermanentError(FetchError):
    """A failure that retrying cannot fix (bad request, unauthorised, not found)."""


class MalformedResponseError(FetchError):
    """The API answered, but not with what it documents (undecodable or wrong shape)."""


class CredentialRefusedError(PermanentError):
    """The API or its token endpoint refused the credential itself (a wrong secret, a revoked
    session, an app of the wrong type): fix the credential, then pull again."""
