"""How far a key result has come, and whether that is on track: pure arithmetic.

progress = (current - baseline) / (target - baseline), clipped to 0..1, so it reads the same
for a target above the baseline (higher is better) and below it (lower is better). The
status compares progress with the share of the quarter gone by: on track from elapsed - 10
points up, at risk down to elapsed - 30 points, off track below that; "no_data" when there
is no current value or no baseline to measure from.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Literal

Status = Literal["on_track", "at_risk", "off_track", "no_data"]
STATUSES: tuple[Status, ...] = ("on_track", "at_risk", "off_track", "no_data")
# Percentage points behind the elapsed share of the quarter.
ON_TRACK_POINTS = 10
AT_RISK_POINTS = 30
# Worst first: an objective is as far behind as its furthest-behind key result.
_SEVERITY = {"off_track": 0, "at_risk": 1, "on_track": 2, "no_data": 3}
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[qQ]([1-4])\s*$")


class QuarterError(ValueError):
    """A quarter that cannot be read; the message shows how to write one."""


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter holding `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    last_month = first_month + 2
    end = date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def parse_quarter(text: str) -> tuple[date, date]:
    """ "2027-Q1" (also "2027q1") as its first and last day; QuarterError otherwise."""
    match = _QUARTER.match(str(text or ""))
    if not match:
        raise QuarterError(f'"{text}" is not a quarter; write it as 2027-Q1')
    year, number = int(match.group(1)), int(match.group(2))
    if not 1900 <= year <= 9998:
        raise QuarterError(f'"{text}" is not a quarter; write it as 2027-Q1')
    return quarter_of(date(year, 3 * number - 2, 1))


def quarter_label(start: date) -> str:
    """ "2027-Q1" for a quarter's first day."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def next_quarters(day: date, count: int) -> list[tuple[date, date]]:
    """The quarter holding `day` and the `count - 1` after it."""
    out = []
    start, end = quarter_of(day)
    for _ in range(count):
        out.append((start, end))
        start, end = quarter_of(end + timedelta(days=1))
    return out


def elapsed_share(start: date, end: date, through: date) -> float:
    """The share of the days start..end that are complete when `through` is the last
    complete day (0 before the quarter starts, 1 once it is over)."""
    total = (end - start).days + 1
    done = (min(through, end) - start).days + 1
    return min(max(done / total, 0.0), 1.0)


def progress_of(
    current: float | None, baseline: float | None, target: float, good: str = "up"
) -> float | None:
    """(current - baseline) / (target - baseline) clipped to 0..1; None without a current
    value or a baseline. A target equal to its baseline is reached (1) or not (0), as the
    metric's good direction says."""
    if current is None or baseline is None:
        return None
    if target == baseline:
        reached = current >= target if good == "up" else current <= target
        return 1.0 if reached else 0.0
    return min(max((current - baseline) / (target - baseline), 0.0), 1.0)


def status_of(progress: float | None, elapsed: float) -> Status:
    """on_track when progress >= elapsed - 10 points, at_risk down to elapsed - 30 points,
    off_track below; no_data without progress."""
    if progress is None:
        return "no_data"
    # In points, rounded so that 0.5 - 0.1 is exactly 40 points behind 0.5, not a hair more.
    gap = round((progress - elapsed) * 100, 9)
    if gap >= -ON_TRACK_POINTS:
        return "on_track"
    if gap >= -AT_RISK_POINTS:
        return "at_risk"
    return "off_track"


def worst_status(statuses: list[Status]) -> Status:
    """The status of an objective: its furthest-behind key result's (no_data when none has
    data)."""
    measured = [status for status in statuses if status != "no_data"]
    if not measured:
        return "no_data"
    return min(measured, key=_SEVERITY.__getitem__)


def mean_progress(progresses: list[float | None]) -> float | None:
    """An objective's progress: the mean of its key results' (those with data)."""
    known = [p for p in progresses if p is not None]
    return sum(known) / len(known) if known else None
