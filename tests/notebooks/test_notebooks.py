"""Every notebook in notebooks/ runs headless, top to bottom, against the running stack and
its sandbox; any error in any cell fails the test. Executed copies go to data/notebooks/."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import PROJECT_ROOT

papermill = pytest.importorskip("papermill")

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_the_notebook_runs_without_an_error(notebook: Path, settings):
    executed = settings.data_dir / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(notebook), str(executed), kernel_name="python3", cwd=str(notebook.parent),
                               execution_timeout=600, progress_bar=False)


def test_the_reproducible_notebook_takes_parameters(settings):
    notebook = PROJECT_ROOT / "notebooks" / "04_reproducible.ipynb"
    executed = settings.data_dir / "notebooks" / "04_reproducible-mastodon.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(executed), kernel_name="python3", cwd=str(notebook.parent), progress_bar=False,
        parameters={"source": "mastodon", "api_prefix": "mastodon", "params": {"tag": "rust", "limit": 50}},
        execution_timeout=600)
