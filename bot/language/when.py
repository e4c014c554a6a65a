"""Time phrases as the query language's period words: "上周" is last-week, "10月" is
period=2026-10 (the latest October that has begun), "since Sep 1" is since=2026-09-01."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

Way = Literal["word", "since", "month", "quarter", "day", "year", "ago", "half", "range", "from"]
MIN_YEAR = 1900
MAX_YEAR = 9999
# Ways that name a stretch of the calendar, which a year can qualify and a range can join.
CALENDAR_WAYS = ("month", "quarter", "day", "half")


@dataclass(frozen=True)
class When:
    """One time phrase. `word` is a period word (way "word") or a since= amount ("7d");
    a year is absolute (`year`) or relative to this one (`shift`: 0 this year, -1 last);
    `quarter` is the half (1 or 2) for way "half"; a range runs from `start` to `end`."""

    way: Way
    word: str = ""
    year: int | None = None
    shift: int | None = None
    month: int = 0
    day: int = 0
    quarter: int = 0
    ago: int = 0
    start: When | None = None
    end: When | None = None

    @property
    def has_year(self) -> bool:
        """True when the phrase says its year."""
        return self.year is not None or self.shift is not None

    def in_year(self, qualifier: When) -> When:
        """This month, quarter, day or half in the year `qualifier` names."""
        return replace(self, year=qualifier.year, shift=qualifier.shift)


def word(name: str) -> When:
    """A period word of the query language (last-week ...)."""
    return When("word", word=name)


def since(amount: str) -> When:
    """since=7d, since=12w ..."""
    return When("since", word=amount)


def canonical(when: When, today: date) -> tuple[str, ...] | None:
    """The period as the query language writes it, or None when there is no such period
    (month 13, 30 February, a day before the calendar begins ...)."""
    try:
        return _canonical(when, today)
    except (ValueError, OverflowError):
        return None


def _canonical(when: When, today: date) -> tuple[str, ...] | None:
    yesterday = today - timedelta(days=1)
    if when.way == "word":
        return (when.word,)
    if when.way == "since":
        return (f"since={when.word}",)
    if when.way == "ago":
        return (f"period={(today - timedelta(days=when.ago)).isoformat()}",)
    if when.way == "year" and when.year is None and when.shift in (0, -1):
        return ("this-year" if when.shift == 0 else "last-year",)
    if when.way == "range":
        return _range(when, yesterday)
    if when.way == "from":
        first = _span(when.start, _year_of(when.start, yesterday)) if when.start else None
        return None if first is None else (f"since={first[0].isoformat()}",)
    year = _year_of(when, yesterday)
    span = _span(when, year)
    if span is None:
        return None
    if when.way == "month":
        return (f"period={year}-{when.month:02d}",)
    if when.way == "quarter":
        return (f"period={year}-Q{when.quarter}",)
    if when.way == "day":
        return (f"period={span[0].isoformat()}",)
    if when.way == "year":
        return (f"period={year}",)
    return (f"from={span[0].isoformat()}", f"to={span[1].isoformat()}")


def _year_of(when: When, yesterday: date) -> int | None:
    """The year a phrase means: the one it says, else the latest one in which it has begun."""
    if when.year is not None:
        return when.year
    if when.shift is not None:
        return yesterday.year + when.shift
    for year in (yesterday.year, yesterday.year - 1):
        span = _span(when, year)
        if span is not None and span[0] <= yesterday:
            return year
    return None


def _span(when: When, year: int | None) -> tuple[date, date] | None:
    """The first and last day of a month, quarter, day, half or year in `year`."""
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        if when.way == "month":
            last = calendar.monthrange(year, when.month)[1]
            return date(year, when.month, 1), date(year, when.month, last)
        if when.way == "quarter" and 1 <= when.quarter <= 4:
            first = date(year, 3 * when.quarter - 2, 1)
            end_month = 3 * when.quarter
            return first, date(year, end_month, calendar.monthrange(year, end_month)[1])
        if when.way == "half" and when.quarter in (1, 2):
            if when.quarter == 1:
                return date(year, 1, 1), date(year, 6, 30)
            return date(year, 7, 1), date(year, 12, 31)
        if when.way == "day":
            day = date(year, when.month, when.day)
            return day, day
        if when.way == "year":
            return date(year, 1, 1), date(year, 12, 31)
    except (ValueError, calendar.IllegalMonthError):
        return None
    return None


def _range(when: When, yesterday: date) -> tuple[str, ...] | None:
    """from= to= for "9月1日到9月30日", "from October to November" ..."""
    if when.start is None or when.end is None:
        return None
    start_year = _year_of(when.start, yesterday)
    first = _span(when.start, start_year)
    if first is None or start_year is None:
        return None
    end_year = _year_of(when.end, yesterday) if when.end.has_year else start_year
    last = _span(when.end, end_year)
    if last is not None and not when.end.has_year and last[1] < first[0]:
        last = _span(when.end, start_year + 1)
    if last is None or last[1] < first[0]:
        return None
    return (f"from={first[0].isoformat()}", f"to={last[1].isoformat()}")
