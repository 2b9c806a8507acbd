"""What each entry point loads: `import ingest` is light, a worker never loads the notebook's side.

Each case runs in a fresh interpreter and reads its `sys.modules` afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import ingest

ROOT = Path(__file__).resolve().parents[2]
SERVER_CLIENTS = {"celery", "kombu", "amqp", "pymongo", "bson", "redis", "requests"}
NOTEBOOK_SIDE = {"pandas", "numpy", "pyarrow", "ipywidgets", "IPython"}
WORKER_IMPORTS = """
from celery.app.utils import find_app
from celery.utils.imports import symbol_by_name

app = find_app("workers.app")            # celery -A workers.app worker
app.loader.import_default_modules()      # the app's include: workers.tasks
symbol_by_name(app.conf.worker_consumer)
"""


def _modules_after(code: str) -> set[str]:
    report = "import json, sys; print(json.dumps([sys.modules['ingest'].__file__, sorted(sys.modules)]))"
    completed = subprocess.run([sys.executable, "-c", f"{code}\n{report}"], cwd=ROOT, capture_output=True,
                               text=True, timeout=120, check=True)
    ingest_file, modules = json.loads(completed.stdout.splitlines()[-1])
    assert Path(ingest_file).is_relative_to(ROOT), f"imported {ingest_file}, not this checkout's ingest"
    return set(modules)


def _packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("code", ["import ingest", "import ingest.pipeline.retry", "import ingest.errors"])
def test_importing_ingest_loads_no_server_client_nor_the_notebook_side(code):
    loaded = _packages(_modules_after(code)) & (SERVER_CLIENTS | NOTEBOOK_SIDE)
    assert not loaded, f"`{code}` loads {sorted(loaded)}"


def test_a_worker_process_loads_neither_pandas_nor_the_notebook_api():
    modules = _modules_after(WORKER_IMPORTS)
    assert {"workers.tasks", "workers.consumer", "ingest.pipeline.driver"} <= modules
    assert not _packages(modules) & NOTEBOOK_SIDE, sorted(_packages(modules) & NOTEBOOK_SIDE)
    assert not {name for name in modules if name.startswith("ingest.api")}


@pytest.mark.parametrize("name", ingest.__all__)
def test_every_public_name_resolves_to_its_home(name):
    value = getattr(ingest, name)
    if isinstance(value, types.ModuleType):
        assert value is sys.modules[f"ingest.{name}"]
    else:
        assert getattr(sys.modules[value.__module__], name) is value
    assert name in dir(ingest)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'ingest' has no attribute 'pul'"):
        ingest.pul  # noqa: B018
