#!/usr/bin/env bash
# make setup: everything the stack needs, installed idempotently, saying what it did.
#   - .venv with the project and its dev extra (reinstalled only when pyproject.toml changes)
#   - RabbitMQ and Redis from the distribution's packages, when missing
#   - FerretDB v1.24.2 built with Go into .venv/bin, when no mongod is on the PATH
#   - Chromium from the distribution's packages, when missing (the browser test drives it)
# When it cannot install something (no root, no apt, no Go) it says what to install instead.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
FERRETDB_VERSION=v1.24.2
PYTHON=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@";
  else return 1; fi
}

# --- Python environment --------------------------------------------------------------------
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || fail "Python 3.11 or newer is needed as '$PYTHON'; install it (apt-get install python3) or set PYTHON=/path/to/python3.11"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating .venv"
  "$PYTHON" -m venv "$VENV" || fail "could not create .venv; install the venv module: apt-get install python3-venv"
fi
stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing the project and its dev extra into .venv"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]"
  rm -f "$VENV"/.installed-* && touch "$stamp"
else
  say ".venv is up to date"
fi

# --- RabbitMQ and Redis ----------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/lib/rabbitmq/bin/$1" ]; }
missing=()
have rabbitmq-server || [ -n "${INGEST_BROKER_URL:-}" ] || missing+=(rabbitmq-server)
have redis-server || [ -n "${INGEST_REDIS_URL:-}" ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && as_root true; then
    say "installing ${missing[*]} from the distribution's packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    # Debian starts a system RabbitMQ and Redis after install where it can; the stack runs its
    # own on other ports, so those are stopped again to leave the machine as it was.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    for service in "${missing[@]}"; do as_root service "$service" stop >/dev/null 2>&1 || true; done
  else
    fail "${missing[*]} not installed and cannot be (needs root and apt-get). Install them yourself:
  sudo apt-get install ${missing[*]}
or with conda: conda env create -f environment.yml
or point INGEST_BROKER_URL / INGEST_REDIS_URL at running servers."
  fi
else
  say "RabbitMQ and Redis are installed"
fi

# --- Chromium, for the browser test ------------------------------------------------------------
if [ -n "${INGEST_CHROMIUM_BIN:-}" ]; then
  say "Chromium: INGEST_CHROMIUM_BIN is set; nothing to install"
elif command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  say "Chromium is installed"
elif command -v apt-get >/dev/null 2>&1 && as_root true; then
  say "installing chromium from the distribution's packages (for the browser test)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
    || fail "installing chromium failed; run: sudo apt-get install chromium"
else
  say "Chromium is not installed and cannot be (needs root and apt-get); the browser test will skip.
  To run it: sudo apt-get install chromium (or set INGEST_CHROMIUM_BIN to a Chromium or Chrome)"
fi

# --- The document store -----------------------------------------------------------------------
if [ -n "${INGEST_MONGO_URL:-}" ]; then
  say "document store: INGEST_MONGO_URL is set; nothing to install"
elif command -v mongod >/dev/null 2>&1; then
  say "document store: mongod found at $(command -v mongod)"
elif [ -x "$VENV/bin/ferretdb" ] && "$VENV/bin/ferretdb" --version 2>/dev/null | grep -q "$FERRETDB_VERSION"; then
  say "document store: FerretDB $FERRETDB_VERSION is installed in .venv/bin"
else
  command -v go >/dev/null 2>&1 || fail "no mongod and no Go to build FerretDB. Install one of:
  Go 1.22 or newer (then run make setup again), or
  MongoDB's mongod, or
  set INGEST_MONGO_URL to a running MongoDB."
  say "building FerretDB $FERRETDB_VERSION with Go into .venv/bin (about a minute)"
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  (cd "$build" && go mod init ferretdb-build >/dev/null 2>&1)
  module_dir=$(cd "$build" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') \
    || fail "could not download FerretDB $FERRETDB_VERSION from the Go module proxy"
  cp -r "$module_dir" "$build/src" && chmod -R u+w "$build/src"
  # The module archive lacks the generated version file that FerretDB reads at start.
  echo "$FERRETDB_VERSION" > "$build/src/build/version/version.txt"
  (cd "$build/src" && GOBIN="$VENV/bin" GOFLAGS=-buildvcs=false go install ./cmd/ferretdb) \
    || fail "building FerretDB failed; see the Go output above"
  say "FerretDB $("$VENV/bin/ferretdb" --version | head -1) installed at .venv/bin/ferretdb"
fi
say "done"
