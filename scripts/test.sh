#!/usr/bin/env bash
# make test: a stack of its own (own data directory and ports, so a user's running stack is
# never touched), the whole pytest suite against it, then the stack stopped again.
# Exits with pytest's status. Extra arguments go to pytest.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export INGEST_DATA_DIR="$ROOT/data/test-stack"
export INGEST_PORT_BASE="${INGEST_TEST_PORT_BASE:-18600}"
export INGEST_REQUIRE_STACK=1
unset INGEST_BROKER_URL INGEST_REDIS_URL INGEST_MONGO_URL
INGEST="$ROOT/.venv/bin/ingest"

echo "test: import contracts (lint-imports)"
if ! (cd "$ROOT" && "$ROOT/.venv/bin/lint-imports" --no-cache); then
  echo "test: an import contract in pyproject.toml is broken; see above" >&2
  exit 1
fi

"$INGEST" down >/dev/null 2>&1
rm -rf "$INGEST_DATA_DIR"
trap '"$INGEST" down >/dev/null 2>&1' EXIT INT TERM

echo "test: starting a stack of its own in $INGEST_DATA_DIR (ports $INGEST_PORT_BASE+)"
if ! "$INGEST" up --sandbox --flower; then
  echo "test: the test stack did not come up; see the message above" >&2
  exit 1
fi
"$ROOT/.venv/bin/python" -m pytest "$@"
status=$?
"$INGEST" down
exit $status
