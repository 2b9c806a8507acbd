"""The job view rendered from made-up snapshots, its buttons, and the poller on a test's own loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ingest.view import widgets
from ingest.view.html import axis_top
from ingest.view.snapshot import STATE_COLUMNS, JobSnapshot, RatePoint
from ingest.view.words import rate_text
from ingest.jobtree.states import JobState
from ingest.view.widgets import JobView, display_job, job_view

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def snapshot(state: JobState = JobState.RUNNING, groups: dict | None = None, errors: tuple = (),
             rate: tuple = (), limit: float | None = None, progress: float = 0.25) -> JobSnapshot:
    groups = {("statuses", 0, "done"): 1, ("statuses", 0, "running"): 1, ("replies", 1, "queued"): 1234,
              ("replies", 1, "failed"): 2} if groups is None else groups
    nodes = dict.fromkeys(STATE_COLUMNS, 0)
    for (_kind, _depth, node_state), count in groups.items():
        nodes[node_state] += count
    return JobSnapshot(
        job_id="mastodon-0123", source="mastodon", state=state, created=CREATED, finished=None,
        elapsed=12.5, nodes=nodes, groups=groups,
        totals={"calls": 40, "records": 3000, "new_records": 2500, "waits": 7, "refusals": 3, "retries": 1,
                "errors": 2},
        errors=errors, progress=progress, rate=rate, limit=limit)


class Cells(HTMLParser):
    """Every <tr>'s attributes with its cells' attributes and text."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.rows: list[tuple[dict, list[tuple[dict, str]]]] = []
        self._cell: tuple[dict, list[str]] | None = None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append((dict(attrs), []))
        elif tag in ("td", "th"):
            self._cell = (dict(attrs), [])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1].append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append((self._cell[0], "".join(self._cell[1])))
            self._cell = None

    def body(self) -> list[tuple[dict, list[tuple[dict, str]]]]:
        return [row for row in self.rows if row[0]]


def count_cells(view: JobView) -> dict[tuple[str, str, str], str]:
    return {(row["data-kind"], row["data-depth"], cell["data-state"]): text
            for row, cells in Cells(view.counts_table.value).body() for cell, text in cells if "data-state" in cell}


@pytest.fixture
def view():
    made = JobView(lambda: snapshot(), lambda: None, lambda: 0)
    yield made
    made.close()


def test_render_sets_the_headline_and_the_progress(view):
    view.render(snapshot(progress=0.25))
    assert "mastodon-0123" in view.headline.value and ">running<" in view.headline.value
    assert "12.5 s" in view.headline.value
    assert view.progress.value == 0.25 and view.progress.bar_style == "info"
    assert view.progress_label.value == "25.0% · 0 of 0 nodes done  ETA unknown"
    view.render(snapshot(JobState.COMPLETED_WITH_ERRORS, progress=1.0))
    assert view.progress.value == 1.0 and view.progress.bar_style == "warning"


def test_render_fills_the_counts_table_by_kind_depth_and_state(view):
    view.render(snapshot())
    cells = count_cells(view)
    assert cells[("statuses", "0", "done")] == "1" and cells[("statuses", "0", "running")] == "1"
    assert cells[("replies", "1", "queued")] == "1,234" and cells[("replies", "1", "failed")] == "2"
    assert cells[("replies", "1", "waiting")] == "0" and cells[("replies", "1", "all")] == "1,236"
    assert [row["data-kind"] for row, _ in Cells(view.counts_table.value).body()] == ["statuses", "replies"]
    assert ("records 3,000 (2,500 new) · calls 40 · waits 7 · refusals 3 (7.5% of calls) · retries 1 · errors 2"
            in view.totals.value)


def test_render_lists_the_recent_errors_newest_first(view):
    errors = ({"node": "n-new", "kind": "transient", "status": 503, "message": "<b>busy</b>",
               "at": datetime(2024, 5, 1, 12, 0, 9, tzinfo=timezone.utc)},
              {"node": "n-old", "kind": "permanent", "status": None, "message": "x" * 500, "at": None})
    view.render(snapshot(errors=errors))
    rows = Cells(view.errors_table.value).body()
    assert [row["data-node"] for row, _ in rows] == ["n-new", "n-old"]
    assert [text for _, text in rows[0][1]] == ["12:00:09", "transient", "503", "n-new", "<b>busy</b>"]
    long_message = rows[1][1][-1]
    assert len(long_message[1]) == 160 and long_message[0]["title"] == "x" * 500
    view.render(snapshot())
    assert view.errors_table.value == "<i>no errors</i>"


def test_the_plot_draws_every_point_and_the_limit_as_a_line(view):
    rate = (RatePoint(0.0, 0.0), RatePoint(1.0, 5.0), RatePoint(2.0, 10.0), RatePoint(3.0, 2.0))
    view.render(snapshot(rate=rate, limit=5.0))
    svg = ElementTree.fromstring(view.rate_plot.value)
    line = svg.find(f"{SVG}polyline[@class='rate']")
    points = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    assert len(points) == 4
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    ys = [y for _, y in points]
    assert ys[2] < ys[1] < ys[3] < ys[0]
    limit = svg.find(f"{SVG}line[@class='limit']")
    assert limit.get("data-limit") == "5"
    assert float(limit.get("y1")) == float(limit.get("y2")) == ys[1]
    assert any(text.text == "limit 5/s" for text in svg.iter(f"{SVG}text"))


def test_the_rate_is_drawn_over_the_limit_and_the_axis_reads_in_plain_figures(view):
    rate = (RatePoint(0.0, 900.0), RatePoint(1.0, 270.0))
    view.render(snapshot(rate=rate, limit=267.764))
    svg = ElementTree.fromstring(view.rate_plot.value)
    drawn = [element.get("class") for element in svg if element.get("class") in ("rate", "limit")]
    assert drawn == ["limit", "rate"]
    texts = {element.get("class"): element.text for element in svg.iter(f"{SVG}text")}
    assert texts["axis-top"] == "1,000/s" and texts["limit-label"] == "limit 268/s"


@pytest.mark.parametrize("peak, top", [(0.0, 1.0), (0.3, 1.0), (4.0, 5.0), (5.0, 10.0), (9.0, 10.0),
                                        (20.0, 25.0), (267.764, 500.0), (900.0, 1000.0), (1000.0, 2000.0)])
def test_the_rate_axis_tops_at_a_round_figure_above_the_peak(peak, top):
    assert axis_top(peak) == top


@pytest.mark.parametrize("rate, text", [(1234.5, "1,234/s"), (267.764, "268/s"), (26.75, "26.8/s"), (5.0, "5/s"),
                                        (2.5, "2.5/s"), (0.5, "0.5/s"), (0.05, "3/min"),
                                        (0.00056, "2/h"), (0.0, "0/s")])
def test_rates_read_as_plain_figures(rate, text):
    assert rate_text(rate) == text


def test_the_plot_without_calls_or_limit_says_so(view):
    view.render(snapshot())
    svg = ElementTree.fromstring(view.rate_plot.value)
    assert svg.find(f"{SVG}polyline") is None and svg.find(f"{SVG}line[@class='limit']") is None
    assert any(text.text == "no calls yet" for text in svg.iter(f"{SVG}text"))


def test_the_buttons_call_their_actions():
    calls = []
    view = JobView(lambda: snapshot(), lambda: calls.append("cancel"), lambda: calls.append("rerun") or 2)
    view.render(snapshot())
    assert not view.cancel_button.disabled and not view.rerun_button.disabled
    view.cancel_button.click()
    view.rerun_button.click()
    assert calls == ["cancel", "rerun"]
    assert "2 failed nodes queued again" in view.status.value
    view.close()


def test_the_buttons_follow_the_snapshot(view):
    view.render(snapshot(JobState.COMPLETED, groups={("statuses", 0, "done"): 3}, progress=1.0))
    assert view.cancel_button.disabled and view.rerun_button.disabled


def test_an_ended_jobs_cancel_button_loses_its_colour_as_well_as_its_action(view):
    view.render(snapshot())
    assert view.cancel_button.button_style == "warning" and not view.cancel_button.disabled
    view.render(snapshot(JobState.CANCELLED, progress=0.4))
    assert view.cancel_button.disabled and view.cancel_button.button_style == ""
    assert view.cancel_button.tooltip == "The job has ended: nothing left to cancel"


def test_a_failing_action_is_shown_not_raised():
    def refuse():
        raise RuntimeError("no broker")

    view = JobView(lambda: snapshot(), refuse, lambda: 0)
    view.cancel_button.click()
    assert "cancel failed: RuntimeError: no broker" in view.status.value
    view.close()


class Source:
    """Snapshots in turn (the last one again and again), noting the threads that read them."""

    def __init__(self, *snapshots: JobSnapshot, error: Exception | None = None) -> None:
        self.snapshots = list(snapshots)
        self.error = error
        self.reads = 0
        self.threads: list[int] = []

    def __call__(self) -> JobSnapshot:
        self.threads.append(threading.get_ident())
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.snapshots[min(self.reads, len(self.snapshots)) - 1]


class RenderThreads(JobView):
    def render(self, snapshot):
        self.render_threads = getattr(self, "render_threads", []) + [threading.get_ident()]
        super().render(snapshot)


def test_the_poller_renders_on_the_loops_thread_and_stops_when_the_job_ends():
    running = [snapshot(progress=fraction) for fraction in (0.1, 0.5, 0.9)]
    ended = snapshot(JobState.COMPLETED, progress=1.0)
    source = Source(*running, ended)
    view = RenderThreads(source, lambda: None, lambda: 0, interval=0.001)

    async def follow() -> int:
        task = view.start()
        await asyncio.wait_for(task, timeout=5.0)
        return threading.get_ident()

    loop_thread = asyncio.run(follow())
    assert source.reads == 4 and view.snapshot is ended and not view.following
    assert view.progress.value == 1.0 and view.progress.bar_style == "success"
    assert set(view.render_threads) == {loop_thread}
    assert source.threads[0] == loop_thread and loop_thread not in source.threads[1:]
    view.close()


def test_the_poller_stops_when_the_view_is_closed():
    source = Source(snapshot())
    view = JobView(source, lambda: None, lambda: 0, interval=0.001)

    async def close_after_three_reads() -> None:
        task = view.start()
        while source.reads < 3:
            await asyncio.sleep(0.001)
        view.close()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.002)  # a read already running in the executor may still finish
        reads = source.reads
        await asyncio.sleep(0.005)
        assert task.done() and source.reads == reads

    asyncio.run(asyncio.wait_for(close_after_three_reads(), timeout=5.0))


def test_the_poller_stops_when_its_widget_is_closed_elsewhere():
    source = Source(snapshot())
    view = JobView(source, lambda: None, lambda: 0, interval=0.001)

    async def close_the_box() -> asyncio.Task:
        task = view.start()
        view.box.close()
        await asyncio.wait_for(task, timeout=5.0)
        return task

    task = asyncio.run(close_the_box())
    assert task.done() and not task.cancelled() and view.closed
    view.close()


def test_the_poller_gives_up_after_failed_reads_in_a_row():
    view = JobView(Source(error=ConnectionError("redis down")), lambda: None, lambda: 0, interval=0.001)

    async def follow() -> None:
        await asyncio.wait_for(view.start(), timeout=5.0)

    asyncio.run(follow())
    assert f"({widgets.MAX_FAILED_READS} in a row): ConnectionError: redis down" in view.status.value
    assert "stopped following" in view.status.value
    view.close()


def test_without_a_running_loop_start_renders_once():
    source = Source(snapshot(progress=0.5))
    view = JobView(source, lambda: None, lambda: 0)
    assert view.start() is None
    assert source.reads == 1 and view.progress.value == 0.5 and not view.following
    view.close()


def test_an_ended_job_is_rendered_once_and_not_followed():
    source = Source(snapshot(JobState.CANCELLED, progress=1.0))
    view = JobView(source, lambda: None, lambda: 0, interval=0.001)

    async def start():
        return view.start()

    assert asyncio.run(start()) is None and source.reads == 1
    assert view.progress.bar_style == "danger"
    view.close()


class FakeJob:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def snapshot(self) -> JobSnapshot:
        return snapshot()

    def cancel(self) -> None:
        self.calls.append(("cancel",))

    def rerun(self, failed_only: bool = True) -> int:
        self.calls.append(("rerun", failed_only))
        return 2


def test_a_job_view_wires_the_jobs_methods():
    job = FakeJob()
    view = job_view(job)
    assert view.snapshot == snapshot()
    view.cancel_button.click()
    view.rerun_button.click()
    assert job.calls == [("cancel",), ("rerun", True)]
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == snapshot().as_text()
    view.close()
    assert view._repr_mimebundle_() == {"text/plain": snapshot().as_text()}


def test_display_job_outside_a_kernel_prints_the_text(capsys):
    display_job(FakeJob())
    assert snapshot().as_text() in capsys.readouterr().out


def test_without_ipywidgets_the_view_is_the_snapshots_text():
    program = (
        "import sys; sys.modules['ipywidgets'] = None\n"
        "from tests.unit.test_widgets import snapshot\n"
        "from ingest.view.widgets import JobView\n"
        "view = JobView(snapshot, lambda: None, lambda: 0)\n"
        "assert view.box is None and view.start() is None\n"
        "assert view._repr_mimebundle_() == {'text/plain': snapshot().as_text()}\n"
        "print(repr(view))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == snapshot().as_text()


def test_a_blocked_cell_refreshes_the_views_that_follow_its_job():
    """`Job.wait()` blocks the loop the view's task runs on, so it renders the views itself."""
    from ingest.view.widgets import refresh_views, views_following

    job = FakeJob()
    job.id = "mastodon-0123456789ab"

    async def shown_then_blocked() -> JobView:
        view = job_view(job, interval=60.0)
        assert views_following(job.id)
        refresh_views(job.id, snapshot(progress=0.75))
        assert view.progress.value == 0.75
        refresh_views(job.id, snapshot(JobState.COMPLETED, progress=1.0))
        view.stop()
        return view

    view = asyncio.run(shown_then_blocked())
    assert view.progress.value == 1.0 and not views_following(job.id)
    view.close()
