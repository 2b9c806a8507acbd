"""Start a server with its password in its environment, never on its command line.

    python -m ingest.stack.launch <part> <program> [arguments...]

Any user of the machine can read a process's command line; its environment only the owner.
supervisord runs the document store and Flower through this launcher, which reads the data
directory's stack credentials (`INGEST_DATA_DIR`), adds the part's variables and replaces
itself with the program, so neither supervisord's config nor `ps` shows a password.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from ingest.errors import IngestError
from ingest.settings import Settings
from ingest.stack_credentials import StackCredentials

SECRET_VARIABLES: dict[str, Callable[[StackCredentials], dict[str, str]]] = {
    "ferretdb": lambda credentials: {"FERRETDB_SETUP_PASSWORD": credentials.mongo_password},
    "flower": lambda credentials: {"FLOWER_BASIC_AUTH": f"{credentials.flower_user}:{credentials.flower_password}"},
}


def launch_command(part: str, program: tuple[str, ...]) -> tuple[str, ...]:
    """The command line supervisord runs for `program` launched as `part`."""
    if part not in SECRET_VARIABLES:
        raise ValueError(f"no secret variables for {part!r}; known parts: {', '.join(SECRET_VARIABLES)}")
    return (sys.executable, "-m", "ingest.stack.launch", part, *program)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in SECRET_VARIABLES:
        print(f"usage: python -m ingest.stack.launch {{{','.join(SECRET_VARIABLES)}}} PROGRAM [ARGS...]",
              file=sys.stderr)
        return 2
    part, program = argv[0], argv[1:]
    try:
        settings = Settings.from_env()
        credentials = settings.stack_credentials
    except IngestError as error:
        print(f"{part}: {error}", file=sys.stderr)
        return 2
    if credentials is None:
        print(f"{part}: no stack credentials in {settings.data_dir}; start the stack with `ingest up`",
              file=sys.stderr)
        return 2
    os.execvpe(program[0], program, {**os.environ, **SECRET_VARIABLES[part](credentials)})
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
