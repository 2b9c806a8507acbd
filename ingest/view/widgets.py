"""The job's live view in a notebook: ipywidgets that render one `JobSnapshot` at a time.

`JobView.render(snapshot)` sets every child widget from the snapshot alone. `JobView.start()`
follows the job: on a running event loop (a Jupyter kernel's) an asyncio task reads a snapshot
every `interval` seconds in an executor thread and renders it on the loop's own thread, until the
job ends or the view is closed. Widgets are changed on the loop's thread only: since ipykernel 7
the messages of widget changes made from another thread no longer reach the notebook reliably.

ipywidgets is imported when a view is made; without it a view shows the snapshot's text.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Protocol

from ingest.view.snapshot import JobSnapshot
from ingest.view.html import (VIEW_CSS, counts_table_html, errors_table_html, headline_html, rate_svg,
                              status_html, totals_html)
from ingest.jobtree.states import JobState

POLL_INTERVAL = 0.5      # seconds between two snapshots of a running job
MAX_FAILED_READS = 10    # consecutive failed snapshots after which a view stops following
RERUN_TOOLTIP = "Queue the failed nodes again"

BAR_STYLES = {
    JobState.RUNNING: "info",
    JobState.COMPLETED: "success",
    JobState.COMPLETED_WITH_ERRORS: "warning",
    JobState.CANCELLED: "danger",
}


class JobLike(Protocol):
    def snapshot(self) -> JobSnapshot: ...

    def cancel(self) -> Any: ...

    def rerun(self, failed_only: bool = True) -> int: ...


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class JobView:
    """A job's progress, counts by kind and depth, calls per second and recent errors, with
    Cancel and Rerun-failed buttons; the snapshot's text where ipywidgets is missing."""

    def __init__(self, snapshot_source: Callable[[], JobSnapshot], on_cancel: Callable[[], Any],
                 on_rerun_failed: Callable[[], Any], *, interval: float = POLL_INTERVAL) -> None:
        self.snapshot_source = snapshot_source
        self.on_cancel = on_cancel
        self.on_rerun_failed = on_rerun_failed
        self.interval = float(interval)
        self.snapshot: JobSnapshot | None = None
        self.task: asyncio.Task | None = None
        self._closed = False
        widgets = _ipywidgets()
        self.box = None if widgets is None else self._build(widgets)

    def _build(self, widgets):
        self.headline = widgets.HTML()
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info",
                                              layout=widgets.Layout(width="360px"))
        self.progress_label = widgets.Label()
        self.counts_table = widgets.HTML()
        self.totals = widgets.HTML()
        self.rate_plot = widgets.HTML()
        self.errors_table = widgets.HTML()
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", button_style="warning",
                                            tooltip="Nodes not running yet are not fetched")
        self.rerun_button = widgets.Button(description="Rerun failed", icon="redo",
                                           tooltip=RERUN_TOOLTIP, disabled=True)
        self.status = widgets.HTML()
        self.cancel_button.on_click(self._cancel_clicked)
        self.rerun_button.on_click(self._rerun_clicked)
        box = widgets.VBox([
            widgets.HTML(VIEW_CSS),
            self.headline,
            widgets.HBox([self.progress, self.progress_label]),
            self.counts_table,
            self.totals,
            self.rate_plot,
            self.errors_table,
            widgets.HBox([self.cancel_button, self.rerun_button]),
            self.status,
        ])
        box.add_class("ingest-view")
        return box

    @property
    def closed(self) -> bool:
        """Closed by `close()`, or its widget closed elsewhere (`Widget.close_all()`)."""
        return self._closed or (self.box is not None and self.box.comm is None)

    @property
    def following(self) -> bool:
        return self.task is not None and not self.task.done()

    def render(self, snapshot: JobSnapshot) -> None:
        """Show `snapshot`: every child widget is set from it and from nothing else."""
        self.snapshot = snapshot
        if self.box is None or self.closed:
            return
        self.headline.value = headline_html(snapshot)
        self.progress.value = snapshot.progress or 0.0
        self.progress.bar_style = BAR_STYLES[snapshot.state]
        self.progress_label.value = "  ".join(filter(None, (snapshot.progress_text(), snapshot.eta_text())))
        self.counts_table.value = counts_table_html(snapshot)
        self.totals.value = totals_html(snapshot)
        self.rate_plot.value = rate_svg(snapshot.rate, snapshot.limit)
        self.errors_table.value = errors_table_html(snapshot.errors)
        self.cancel_button.disabled = snapshot.ended
        self.cancel_button.button_style = "" if snapshot.ended else "warning"  # a disabled orange looks live
        self.cancel_button.tooltip = ("The job has ended: nothing left to cancel" if snapshot.ended
                                      else "Nodes not running yet are not fetched")
        self.rerun_button.disabled = not snapshot.rerun_could_help
        self.rerun_button.tooltip = snapshot.rerun_hint() or RERUN_TOOLTIP

    def refresh(self) -> JobSnapshot:
        """Read one snapshot and render it, on the calling thread."""
        snapshot = self.snapshot_source()
        self.render(snapshot)
        return snapshot

    def start(self) -> asyncio.Task | None:
        """Render a snapshot now; then, on a running event loop and while the job runs, follow it
        with a task on that loop (answered, and kept as `task`). Without a running loop (plain
        Python), the one render is all."""
        if self.closed:
            return None
        if self.following:
            return self.task
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.refresh()
            return None
        try:
            snapshot = self.refresh()
        except Exception as error:
            self._say(f"reading the job failed: {type(error).__name__}: {error}")
        else:
            if snapshot.ended:
                return None
        self.task = loop.create_task(self._follow())
        return self.task

    def stop(self) -> None:
        """Stop following; the view keeps what it shows."""
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def close(self) -> None:
        self.stop()
        self._closed = True
        if self.box is not None:
            for widget in self._widgets():
                widget.close()

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            await asyncio.sleep(self.interval)
            if self.closed:
                return
            try:
                snapshot = await loop.run_in_executor(None, self.snapshot_source)
            except Exception as error:
                failures += 1
                message = f"reading the job failed ({failures} in a row): {type(error).__name__}: {error}"
                if failures >= MAX_FAILED_READS:
                    self._say(f"{message}; stopped following (view.start() follows again)")
                    return
                self._say(message)
                continue
            if self.closed:
                return
            if failures:
                self._say("")
                failures = 0
            self.render(snapshot)
            if snapshot.ended:
                return

    def _cancel_clicked(self, _button) -> None:
        done, _answer = self._act("cancel", self.on_cancel)
        if done:
            self._say("cancelled: nodes not running yet will not be fetched")

    def _rerun_clicked(self, _button) -> None:
        done, queued = self._act("rerun", self.on_rerun_failed)
        if not done:
            return
        self._say(f"{queued:,} failed nodes queued again" if isinstance(queued, int) else "failed nodes queued again")
        self.start()

    def _act(self, name: str, action: Callable[[], Any]) -> tuple[bool, Any]:
        """Run a button's action; a failure is shown under the buttons rather than raised into
        the kernel's comm handler. Answers whether it ran, and its answer."""
        try:
            return True, action()
        except Exception as error:
            self._say(f"{name} failed: {type(error).__name__}: {error}", error=True)
            return False, None

    def _say(self, message: str, error: bool = False) -> None:
        if self.box is not None and not self.closed:
            self.status.value = status_html(message, error)

    def _widgets(self) -> list:
        children = [self.box]
        for widget in self.box.children:
            children.extend(getattr(widget, "children", ()))
            children.append(widget)
        return children

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        text = self.snapshot.as_text() if self.snapshot is not None else "job view: no snapshot read yet"
        if self.box is None or self.closed:
            return {"text/plain": text}
        bundle = self.box._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = text
        return bundle

    def __repr__(self) -> str:
        return self.snapshot.as_text() if self.snapshot is not None else "JobView(no snapshot read yet)"


# Views that follow a job, by job id: a cell blocked in `Job.wait()` keeps the kernel's event
# loop from running their tasks, so `wait` refreshes them itself (on the loop's own thread).
_following: dict[str, list[JobView]] = {}


def job_view(job: JobLike, *, interval: float = POLL_INTERVAL) -> JobView:
    """A view of `job` that follows it (see `JobView.start`); a notebook shows it when it is a
    cell's value."""
    view = JobView(job.snapshot, job.cancel, lambda: job.rerun(failed_only=True), interval=interval)
    view.start()
    job_id = getattr(job, "id", None)
    if job_id is not None and view.following:
        _following.setdefault(job_id, []).append(view)
    return view


def views_following(job_id: str) -> bool:
    return bool(_following.get(job_id))


def refresh_views(job_id: str, snapshot: JobSnapshot) -> None:
    """Render `snapshot` in every open view that follows the job; forget closed ones and, once
    the job ended, all of them."""
    views = [view for view in _following.get(job_id, []) if not view.closed]
    for view in views:
        view.render(snapshot)
    if views and not snapshot.ended:
        _following[job_id] = views
    else:
        _following.pop(job_id, None)


def display_job(job: JobLike, *, interval: float = POLL_INTERVAL) -> None:
    """Show a following view of `job` in the current output: `Job._ipython_display_` calls this."""
    from IPython.display import display

    display(job_view(job, interval=interval))
