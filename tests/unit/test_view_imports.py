"""The view renders snapshots: of the product it imports only the states and its own modules."""

from __future__ import annotations

import ast
from pathlib import Path

import ingest.view

ALLOWED = ("ingest.jobtree.states", "ingest.view")


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_view_imports_nothing_of_the_product_but_the_states_and_itself():
    modules = sorted(Path(ingest.view.__file__).parent.glob("*.py"))
    assert modules
    for module in modules:
        product = [name for name in imported_modules(module) if name == "ingest" or name.startswith("ingest.")]
        stray = [name for name in product
                 if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)]
        assert stray == [], f"{module.name} imports {stray}"
