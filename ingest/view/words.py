"""Times and rates as a person reads them (every view, estimate and wait says them in these words),
and the few text shapes the text views draw: a bar, aligned columns, a shortened line."""

from __future__ import annotations

HOUR = 3600.0
DAY = 86400.0


def time_words(seconds: float) -> str:
    """'under a second', '40 s', '2 min 40 s', '1 h 5 min', '116 days'."""
    if seconds < 1:
        return "under a second"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if whole < 2 * DAY:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(whole / DAY):,} days"


def rate_text(calls_per_second: float) -> str:
    """'1,200/s', '268/s', '26.8/s', '2.5/s', '0.5/s', '3/min', '2/h'."""
    if calls_per_second >= 100:
        return f"{calls_per_second:,.0f}/s"
    if calls_per_second >= 1:
        return f"{calls_per_second:.1f}".removesuffix(".0") + "/s"
    if calls_per_second >= 0.1:
        return f"{calls_per_second:.2g}/s"
    if calls_per_second <= 0:
        return "0/s"
    if calls_per_second * 60 >= 1:
        return f"{calls_per_second * 60:.2g}/min"
    return f"{calls_per_second * HOUR:.2g}/h"


def bar(fraction: float, width: int) -> str:
    filled = round(min(1.0, max(0.0, fraction)) * width)
    return "#" * filled + "-" * (width - filled)


def columns(table: list[list[str]]) -> list[str]:
    """The first column left-aligned, the rest right-aligned, two spaces apart."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in table]


def shortened(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
