"""The quickstart notebook, run in JupyterLab in a headless Chromium as a person would: opened,
run with Run > Run All Cells, its job's live view followed until the progress bar is full and the
job completed. The screenshot goes to <data dir>/browser/quickstart.png. Then a GitHub pull held
by the sandbox's 2 calls an hour shows in its view why it waits, and its ETA:
<data dir>/browser/waiting.png."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.api.lab import LabServer, lab_command, wait_until_answering
from ingest.errors import StackError
from ingest.settings import PROJECT_ROOT

pytest.importorskip("websocket", reason="websocket-client (in the dev extra) drives Chromium")
from tests.browser.devtools import Chromium, Page, find_chromium, stop_process_group  # noqa: E402
from tests.github_wait import two_calls_an_hour  # noqa: E402
from tests.ports import free_port  # noqa: E402

pytestmark = pytest.mark.stack

NOTEBOOK = PROJECT_ROOT / "notebooks" / "01_quickstart.ipynb"
SERVER_START_TIMEOUT = 120.0
PAGE_READY_TIMEOUT = 180.0
VIEW_SHOWN_TIMEOUT = 120.0
JOB_DONE_TIMEOUT = 240.0
# What the job's view (ingest/widgets.py) shows: the width of its progress bar, the bar's
# classes, the job's state from the headline ("<id> · <source> · <state> · <elapsed>") and
# the label beside the bar.
VIEW_STATE_JS = """(() => {
  const view = document.querySelector('.ingest-view');
  if (!view) return null;
  const bar = view.querySelector('.progress .progress-bar');
  const headline = view.querySelectorAll(':scope > .widget-html')[1];
  const label = view.querySelector('.widget-hprogress + .widget-label');
  return {
    width: bar ? bar.style.width : null,
    bar_classes: bar ? bar.className : '',
    headline: headline ? headline.innerText.trim() : null,
    state: headline ? (headline.innerText.split(' · ')[2] || '').trim() : null,
    label: label ? label.innerText : null,
  };
})()"""
# The status bar's kernel item reads "<kernel name> | Idle" once the notebook's kernel is
# connected and idle (the toolbar's execution indicator says idle before there is a kernel).
# The view's line saying why its job waits (ingest/view/html.py `wait_html`), with its headline.
WAIT_JS = """(() => {
  const wait = document.querySelector('.ingest-view .wait');
  if (!wait) return null;
  const view = wait.closest('.ingest-view');
  const headline = view.querySelectorAll(':scope > .widget-html')[1];
  const label = view.querySelector('.widget-hprogress + .widget-label');
  return {wait: wait.innerText.trim(), headline: headline ? headline.innerText.trim() : null,
          label: label ? label.innerText.trim() : null};
})()"""
WAITING_CELLS = [
    "import ingest\nfrom ingest.settings import get_settings\n\nSANDBOX = get_settings().sandbox_url",
    'job = ingest.pull("rest", preset="github_issues", owner="psf", repo="requests", base_url=f"{SANDBOX}/github",\n'
    '                  limit=1000)\njob',
]
KERNEL_IDLE_JS = """[...document.querySelectorAll('.jp-StatusBar-TextItem')]
  .some(item => /\\|\\s*Idle$/.test(item.innerText.trim()))"""


@dataclass
class JupyterLab:
    url: str
    token: str
    log_path: Path
    root: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture()
def chromium_binary() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium: `make setup` installs it (apt-get install chromium), "
                    "or set INGEST_CHROMIUM_BIN to a Chromium or Chrome")
    return binary


@pytest.fixture()
def jupyterlab(settings, tmp_path):
    """JupyterLab on a free port with a random token, serving a copy of the quickstart, with
    settings, workspaces and runtime files of its own; the kernel gets the test stack's
    environment. Stopped, kernels included, afterwards."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    user_settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    user_settings.mkdir(parents=True)
    # No question about news and no update check: nothing asks for a click or goes outside.
    (user_settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    environment = dict(os.environ,
                       JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
                       JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
                       JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
                       JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"))
    lab = LabServer(free_port(), secrets.token_hex(16), root)
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(lab_command(lab, as_root=os.geteuid() == 0), env=environment, cwd=root,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = JupyterLab(f"http://127.0.0.1:{lab.port}", lab.token, log_path, root)
    try:
        try:
            wait_until_answering(lab, process, log_path, timeout=SERVER_START_TIMEOUT)
        except StackError as error:
            pytest.fail(f"{error}:\n{server.log_tail()}")
        yield server
    finally:
        stop_process_group(process, grace=30.0)


@pytest.fixture()
def browser(chromium_binary, tmp_path):
    browser = Chromium(chromium_binary, tmp_path / "chromium-profile")
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture()
def page(browser):
    return browser.page()


@pytest.mark.timeout(SERVER_START_TIMEOUT + 2 * PAGE_READY_TIMEOUT + 2 * VIEW_SHOWN_TIMEOUT + JOB_DONE_TIMEOUT + 90)
def test_the_quickstart_runs_in_jupyterlab_and_its_view_reaches_100_percent(settings, chromium_binary, jupyterlab,
                                                                          browser, page: Page):
    screenshot = settings.data_dir / "browser" / "quickstart.png"
    failure_screenshot = screenshot.with_name("quickstart-failed.png")
    screenshot.unlink(missing_ok=True)
    failure_screenshot.unlink(missing_ok=True)
    seen: list[dict] = []

    def note(view_state):
        if view_state and (not seen or seen[-1] != view_state):
            seen.append(view_state)

    try:
        _run_all_cells(page, jupyterlab, NOTEBOOK.name)
        page.wait_for(VIEW_STATE_JS, VIEW_SHOWN_TIMEOUT, "the job's view shown by the pull's cell", on_value=note)
        final = page.wait_for(VIEW_STATE_JS, JOB_DONE_TIMEOUT, "the job's view at 100 % and completed",
                              until=lambda view: bool(view) and view["width"] == "100%" and view["state"] == "completed",
                              on_value=note, interval=1.0)
    except Exception as error:
        page.screenshot(failure_screenshot)
        raise AssertionError(f"{error}\nviews seen: {seen}\nscreenshot: {failure_screenshot}\n"
                             f"JupyterLab's log:\n{jupyterlab.log_tail()}") from error

    page.evaluate("document.querySelector('.ingest-view').scrollIntoView({block: 'center'})")
    time.sleep(1.0)  # one frame's worth of layout after the scroll, on a busy machine
    page.screenshot(screenshot)
    assert "progress-bar-success" in final["bar_classes"], final
    assert re.fullmatch(r"100\.0% · ([\d,]+) of \1 nodes done", final["label"] or ""), final
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), screenshot
    # A tab of its own: leaving the quickstart's page would ask whether to leave its running kernel.
    _a_waiting_job_says_why_in_its_view(settings, jupyterlab, browser.page(), screenshot.with_name("waiting.png"))


def _run_all_cells(page: Page, jupyterlab: JupyterLab, name: str) -> None:
    """Open the notebook `name`, wait for its kernel, and run it with Run > Run All Cells."""
    page.navigate(f"{jupyterlab.url}/lab/tree/{name}?token={jupyterlab.token}")
    page.wait_for(KERNEL_IDLE_JS, PAGE_READY_TIMEOUT, f"{name} open with its kernel idle")
    page.click(".lm-MenuBar-item", text="Run")
    page.wait_for("!!document.querySelector('.lm-Menu-item[data-command=\"runmenu:run-all\"]')", 30,
                  "the Run menu open")
    page.click('.lm-Menu-item[data-command="runmenu:run-all"]')


def _a_waiting_job_says_why_in_its_view(settings, jupyterlab, page: Page, screenshot: Path) -> None:
    """A notebook beside the quickstart pulls from GitHub without a credential while the sandbox
    allows 2 calls an hour: its view says the limit, when the next call goes and what helps."""
    notebook = json.loads(NOTEBOOK.read_text())
    notebook["cells"] = [{"cell_type": "code", "execution_count": None, "id": f"wait{index}", "metadata": {},
                          "outputs": [], "source": source} for index, source in enumerate(WAITING_CELLS)]
    name = "waiting.ipynb"
    (jupyterlab.root / name).write_text(json.dumps(notebook))
    screenshot.unlink(missing_ok=True)
    with two_calls_an_hour(settings):
        try:
            _run_all_cells(page, jupyterlab, name)
            shown = page.wait_for(WAIT_JS, VIEW_SHOWN_TIMEOUT, "the view saying why its job waits",
                                  until=lambda view: bool(view) and "next call" in view["wait"]
                                  and "not known yet" not in view["wait"])
            page.evaluate("document.querySelector('.ingest-view .wait').scrollIntoView({block: 'center'})")
            time.sleep(1.0)
            page.screenshot(screenshot)
        except Exception as error:
            page.screenshot(screenshot.with_name("waiting-failed.png"))
            raise AssertionError(f"{error}\nscreenshot: {screenshot.with_name('waiting-failed.png')}\n"
                                 f"JupyterLab's log:\n{jupyterlab.log_tail()}") from error
        finally:
            _cancel_the_waiting_job(settings, page)
    assert shown["wait"].startswith("waiting on GitHub: 2 per hour without a credential"), shown
    assert re.search(r"next call (at|by) \d\d:\d\d:\d\d \(in [^)]+\)", shown["wait"]), shown
    assert "a credential: GitHub allows 5,000 per hour with one" in shown["wait"], shown
    # Its bar counts records of the limit, and its ETA is the pages still needed at 2 calls an hour.
    assert re.fullmatch(r"[\d.]+% · [\d,]+ of 1,000 records \(limit\)\s+ETA \d+ h( \d+ min)? \(\d+ calls at 2/h\)",
                        shown["label"] or ""), shown
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), screenshot


def _cancel_the_waiting_job(settings, page: Page) -> None:
    import ingest

    view = page.evaluate(WAIT_JS) or {}
    job_id = (view.get("headline") or "").split(" · ")[0]
    if job_id:
        ingest.job(job_id, settings).cancel()
