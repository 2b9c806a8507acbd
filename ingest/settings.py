"""One Settings object, read from `INGEST_*` environment variables and the project's `.env`.

Read it at the edges (the CLI, the Celery app, the notebook API) and pass it down. Values in
the environment win over `.env`. Ports of the local stack are laid out from one base:

    base+0 RabbitMQ AMQP   base+1 Redis     base+2 document store   base+3 sandbox
    base+4 Flower          base+5 Erlang distribution               base+6 epmd

The local stack's servers let in their owner only: the URLs of the parts `ingest up` runs carry
the passwords of the data directory's stack credentials file (`ingest.stack_credentials`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import quote, urlsplit, urlunsplit

from ingest.errors import ConfigError
from ingest.stack_credentials import MONGO_AUTH_DATABASE, StackCredentials, load_stack_credentials

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT_BASE = 17600
PORT_OFFSETS = {
    "amqp": 0,
    "redis": 1,
    "mongo": 2,
    "sandbox": 3,
    "flower": 4,
    "erlang_dist": 5,
    "epmd": 6,
    "lab": 7,
}
MODULE_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def read_dotenv(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines of a .env file; blank lines, comments and `export ` prefixes allowed."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number} is not KEY=VALUE; fix or remove that line")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def mask_url(url: str | None) -> str | None:
    """The URL with any password replaced by `***`, safe for messages and logs."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _login(user: str, password: str) -> str:
    """The `user:password@` of a URL."""
    return f"{quote(user, safe='')}:{quote(password, safe='')}@"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to one from {low} to {high}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range; set it to a number from {low} to {high}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds; set it to e.g. 30") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be a positive number of seconds")
    return value


def _modules(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of dotted module paths."""
    modules = tuple(part.strip() for part in (env.get(name) or "").split(",") if part.strip())
    for module in modules:
        if not MODULE_PATH.fullmatch(module):
            raise ConfigError(f"{name}: {module!r} is not a dotted module path; list modules such as "
                              "'my_package.my_source', separated by commas")
    return modules


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    port_base: int = DEFAULT_PORT_BASE
    external_broker_url: str | None = None
    external_redis_url: str | None = None
    external_mongo_url: str | None = None
    mongo_db: str = "ingest"
    worker_pool: str = "threads"
    worker_concurrency: int = 8
    worker_processes: int = 1
    up_timeout: float = 120.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    sources: tuple[str, ...] = ()
    binaries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        merged = dict(read_dotenv(dotenv or PROJECT_ROOT / ".env"))
        merged.update(os.environ if env is None else env)
        data_dir = Path(merged.get("INGEST_DATA_DIR") or PROJECT_ROOT / "data").expanduser().resolve()
        pool = merged.get("INGEST_WORKER_POOL") or "threads"
        if pool not in {"threads", "prefork", "solo", "gevent"}:
            raise ConfigError(f"INGEST_WORKER_POOL={pool!r} is not a Celery pool; use threads, prefork or solo")
        binaries = {
            key.removeprefix("INGEST_").removesuffix("_BIN").lower(): value
            for key, value in merged.items()
            if key.startswith("INGEST_") and key.endswith("_BIN") and value
        }
        return cls(
            data_dir=data_dir,
            port_base=_int(merged, "INGEST_PORT_BASE", DEFAULT_PORT_BASE, 1024, 65535 - len(PORT_OFFSETS)),
            external_broker_url=merged.get("INGEST_BROKER_URL") or None,
            external_redis_url=merged.get("INGEST_REDIS_URL") or None,
            external_mongo_url=merged.get("INGEST_MONGO_URL") or None,
            mongo_db=merged.get("INGEST_MONGO_DB") or "ingest",
            worker_pool=pool,
            worker_concurrency=_int(merged, "INGEST_WORKER_CONCURRENCY", 8, 1, 512),
            worker_processes=_int(merged, "INGEST_WORKER_PROCESSES", 1, 1, 64),
            up_timeout=_float(merged, "INGEST_UP_TIMEOUT", 120.0),
            connect_timeout=_float(merged, "INGEST_CONNECT_TIMEOUT", 5.0),
            read_timeout=_float(merged, "INGEST_READ_TIMEOUT", 30.0),
            sources=_modules(merged, "INGEST_SOURCES"),
            binaries=binaries,
        )

    def port(self, name: str) -> int:
        return self.port_base + PORT_OFFSETS[name]

    @property
    def stack_credentials(self) -> StackCredentials | None:
        """The passwords of the local stack, once `ingest up` has made them."""
        return load_stack_credentials(self.data_dir)

    @property
    def broker_url(self) -> str:
        if self.external_broker_url:
            return self.external_broker_url
        credentials = self.stack_credentials
        if credentials is None:
            return f"amqp://guest:guest@127.0.0.1:{self.port('amqp')}//"
        login = _login(credentials.amqp_user, credentials.amqp_password)
        return f"amqp://{login}127.0.0.1:{self.port('amqp')}/{quote(credentials.amqp_vhost, safe='')}"

    @property
    def redis_url(self) -> str:
        if self.external_redis_url:
            return self.external_redis_url
        credentials = self.stack_credentials
        login = _login("", credentials.redis_password) if credentials else ""
        return f"redis://{login}127.0.0.1:{self.port('redis')}/0"

    @property
    def mongo_url(self) -> str:
        if self.external_mongo_url:
            return self.external_mongo_url
        credentials = self.stack_credentials
        if credentials is None:
            return f"mongodb://127.0.0.1:{self.port('mongo')}/"
        login = _login(credentials.mongo_user, credentials.mongo_password)
        return f"mongodb://{login}127.0.0.1:{self.port('mongo')}/?authSource={MONGO_AUTH_DATABASE}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.port('sandbox')}"

    @property
    def flower_url(self) -> str:
        return f"http://127.0.0.1:{self.port('flower')}"

    def as_env(self) -> dict[str, str]:
        """The variables a child process (a worker, the sandbox) needs to see these settings.
        No password: a child reads the stack's from the data directory, as this process does."""
        external = {
            "INGEST_BROKER_URL": self.external_broker_url,
            "INGEST_REDIS_URL": self.external_redis_url,
            "INGEST_MONGO_URL": self.external_mongo_url,
        }
        return {
            "INGEST_DATA_DIR": str(self.data_dir),
            "INGEST_PORT_BASE": str(self.port_base),
            **{name: url for name, url in external.items() if url},
            "INGEST_MONGO_DB": self.mongo_db,
            "INGEST_SOURCES": ",".join(self.sources),
            "INGEST_CONNECT_TIMEOUT": str(self.connect_timeout),
            "INGEST_READ_TIMEOUT": str(self.read_timeout),
        }


def get_settings() -> Settings:
    return Settings.from_env()
