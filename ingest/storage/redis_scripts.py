"""Lua scripts kept as .lua files beside the Python that runs them, registered with a client."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources


def register_scripts(client, package: str, names: Iterable[str], prelude: str | None = None,
                     header: str = "") -> dict:
    """Each script `<name>.lua` of `package`, registered with the redis `client`, by name.

    `prelude` names a file of the same package (e.g. "common.lua") whose text goes before
    every script: Redis runs each script alone, so shared helpers travel with each one.
    `header` is Lua generated in Python (constants the scripts share with it), put first."""
    files = resources.files(package)
    head = header + files.joinpath(prelude).read_text("utf-8") + "\n" if prelude else header
    return {name: client.register_script(head + files.joinpath(f"{name}.lua").read_text("utf-8"))
            for name in names}
