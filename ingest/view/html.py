"""The HTML and SVG pieces of the job view, each made from snapshot data alone: plain strings, so
the notebook widget stays thin and each piece can be checked by parsing it."""

from __future__ import annotations

import math
from html import escape
from typing import Any, Mapping, Sequence

from ingest.view.error_rows import error_kind, error_time
from ingest.view.snapshot import STATE_COLUMNS, JobSnapshot, RatePoint
from ingest.view.words import duration_text
from ingest.view.words import rate_text
from ingest.jobtree.states import JobState

STATE_TITLES = {
    "queued": "queued for a worker",
    "waiting": "waiting on a rate limit",
    "running": "running",
    "retrying": "backing off after a transient failure",
    "done": "done",
    "skipped": "stored unchanged recently: not fetched",
    "failed": "failed",
    "cancelled": "cancelled",
}
STATE_COLOURS = {
    JobState.RUNNING: "#1f77b4",
    JobState.COMPLETED: "#2ca02c",
    JobState.COMPLETED_WITH_ERRORS: "#ff7f0e",
    JobState.CANCELLED: "#d62728",
}
# Sent once, in a widget of its own; the tables re-sent on every change carry class names only.
VIEW_CSS = """<style>
.ingest-view table {border-collapse:collapse; font-size:12px; font-family:monospace}
.ingest-view th, .ingest-view td {padding:1px 8px; text-align:right}
.ingest-view th {border-bottom:1px solid #ccc}
.ingest-view .text {text-align:left}
.ingest-view .zero {color:#bbb}
.ingest-view button:disabled {opacity:0.4; cursor:not-allowed; box-shadow:none}
</style>"""
MAX_ERROR_ROWS = 10
MAX_MESSAGE = 160

PLOT_WIDTH, PLOT_HEIGHT = 420, 110
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 84, 8, 18  # margins around the plot area
RATE_COLOUR, LIMIT_COLOUR = "#1f77b4", "#d62728"


def headline_html(snapshot: JobSnapshot) -> str:
    elapsed = f" · {duration_text(snapshot.elapsed)}" if snapshot.elapsed is not None else ""
    colour = STATE_COLOURS[snapshot.state]
    return (f"<b>{escape(snapshot.job_id)}</b> · {escape(snapshot.source)} · "
            f"<span style=\"color:{colour};font-weight:bold\">{escape(snapshot.state.value)}</span>{elapsed}")


def counts_table_html(snapshot: JobSnapshot) -> str:
    """Nodes by kind and depth (rows) and state (columns), with each row's total."""
    rows = snapshot.group_rows()
    if not rows:
        return "<i>no nodes yet</i>"
    head = "".join(f"<th title=\"{escape(STATE_TITLES.get(state, state))}\">{state}</th>" for state in STATE_COLUMNS)
    lines = [f"<table class=\"ingest-counts\"><thead><tr><th class=\"text\">kind</th><th>depth</th>{head}"
             "<th>all</th></tr></thead><tbody>"]
    for row in rows:
        cells = "".join(_count_cell(state, row.counts[state]) for state in STATE_COLUMNS)
        lines.append(f"<tr data-kind=\"{escape(row.kind)}\" data-depth=\"{row.depth}\">"
                     f"<td class=\"text\">{escape(row.kind)}</td><td>{row.depth}</td>"
                     f"{cells}{_count_cell('all', row.total)}</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def _count_cell(state: str, count: int) -> str:
    muted = " class=\"zero\"" if count == 0 else ""
    return f"<td{muted} data-state=\"{state}\">{count:,}</td>"


def totals_html(snapshot: JobSnapshot) -> str:
    parked = snapshot.parked_line()
    return (f"<div>{escape(snapshot.totals_line())}</div>"
            + (f"<div class=\"parked\">{escape(parked)}</div>" if parked else "")
            + f"<div style=\"color:#666\">{escape(snapshot.rate_line())}</div>" + wait_html(snapshot))


def wait_html(snapshot: JobSnapshot) -> str:
    """Why the job waits and what would help, while it does; '' otherwise."""
    if snapshot.wait is None:
        return ""
    helps = snapshot.wait_help_line()
    return (f"<div class=\"wait\" style=\"color:#8a5a00\">{escape(snapshot.wait_line())}"
            + (f"<div class=\"wait-help\">{escape(helps)}</div>" if helps else "") + "</div>")


def errors_table_html(errors: Sequence[Mapping[str, Any]], max_rows: int = MAX_ERROR_ROWS) -> str:
    """The newest errors first; a long message is cut, and whole in the cell's tooltip."""
    if not errors:
        return "<i>no errors</i>"
    shown = errors[:max_rows]
    caption = f"recent errors ({len(shown)} of {len(errors)})" if len(errors) > len(shown) else "recent errors"
    head = "".join(f"<th class=\"text\">{name}</th>" for name in ("at (UTC)", "kind", "status", "node", "message"))
    lines = [f"<b>{caption}</b><table class=\"ingest-errors\"><thead><tr>{head}</tr></thead><tbody>"]
    for error in shown:
        message = " ".join(str(error.get("message") or "").split())
        short = message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"
        status = error.get("status")
        node = str(error.get("node") or "")
        cells = (error_time(error), error_kind(error), "" if status is None else str(status), node[:12])
        tds = "".join(f"<td class=\"text\">{escape(cell)}</td>" for cell in cells)
        lines.append(f"<tr data-node=\"{escape(node)}\">{tds}"
                     f"<td class=\"text\" title=\"{escape(message)}\">{escape(short)}</td></tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def status_html(message: str, error: bool = False) -> str:
    if not message:
        return ""
    colour = "#b00" if error else "#555"
    return f"<span style=\"color:{colour}\">{escape(message)}</span>"


def rate_svg(points: Sequence[RatePoint], limit: float | None, width: int = PLOT_WIDTH,
             height: int = PLOT_HEIGHT) -> str:
    """Calls per second against seconds since the job started, as an inline SVG: the rate as a
    polyline (class "rate"), the limiter's rate as a dashed line (class "limit")."""
    inner_width = width - PLOT_LEFT - PLOT_RIGHT
    inner_height = height - PLOT_TOP - PLOT_BOTTOM
    start = points[0].seconds if points else 0.0
    end = points[-1].seconds if points else 1.0
    span = end - start if end > start else 1.0
    top = axis_top(max([point.calls_per_second for point in points] + [limit or 0.0]))
    bottom_y = PLOT_TOP + inner_height

    def x_of(seconds: float) -> float:
        return PLOT_LEFT + (seconds - start) / span * inner_width

    def y_of(rate: float) -> float:
        return bottom_y - rate / top * inner_height

    parts = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" "
             f"viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"calls per second\" "
             f"style=\"font-family:sans-serif;font-size:10px\">",
             f"<line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{bottom_y}\" x2=\"{PLOT_LEFT + inner_width}\" "
             f"y2=\"{bottom_y}\" stroke=\"#999\"/>",
             f"<line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_LEFT}\" y2=\"{bottom_y}\" stroke=\"#999\"/>",
             f"<text class=\"axis-top\" x=\"{PLOT_LEFT - 4}\" y=\"{PLOT_TOP + 8}\" text-anchor=\"end\">{rate_text(top)}</text>",
             f"<text x=\"{PLOT_LEFT - 4}\" y=\"{bottom_y}\" text-anchor=\"end\">0</text>",
             f"<text x=\"{PLOT_LEFT}\" y=\"{height - 4}\">{start:.0f} s</text>",
             f"<text x=\"{PLOT_LEFT + inner_width}\" y=\"{height - 4}\" text-anchor=\"end\">{end:.0f} s</text>"]
    # The limit first, so that the rate, drawn over it, stays visible where the two meet.
    if limit is not None:
        limit_y = f"{y_of(limit):.1f}"
        parts.append(f"<line class=\"limit\" data-limit=\"{limit:g}\" x1=\"{PLOT_LEFT}\" y1=\"{limit_y}\" "
                     f"x2=\"{PLOT_LEFT + inner_width}\" y2=\"{limit_y}\" stroke=\"{LIMIT_COLOUR}\" "
                     f"stroke-width=\"1\" stroke-dasharray=\"4 3\" opacity=\"0.8\"/>")
        parts.append(f"<text class=\"limit-label\" x=\"{PLOT_LEFT + inner_width + 4}\" y=\"{float(limit_y) + 3:.1f}\" "
                     f"fill=\"{LIMIT_COLOUR}\">limit {rate_text(limit)}</text>")
    if points:
        coordinates = " ".join(f"{x_of(point.seconds):.1f},{y_of(point.calls_per_second):.1f}" for point in points)
        parts.append(f"<polyline class=\"rate\" fill=\"none\" stroke=\"{RATE_COLOUR}\" stroke-width=\"2\" "
                     f"stroke-linejoin=\"round\" points=\"{coordinates}\"/>")
    else:
        parts.append(f"<text x=\"{PLOT_LEFT + 8}\" y=\"{PLOT_TOP + inner_height / 2:.1f}\" fill=\"#999\">no calls yet</text>")
    parts.append("</svg>")
    return "".join(parts)


def axis_top(peak: float) -> float:
    """The rate axis's top: the first of 1, 2, 2.5, 5 times a power of ten at least 10 % above `peak`."""
    wanted = max(peak * 1.1, 1.0)
    power = 10.0 ** math.floor(math.log10(wanted))
    return next(step * power for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * power >= wanted)
