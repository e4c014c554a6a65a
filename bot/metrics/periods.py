"""The period words of the query language (since=, period=, from=/to=, mtd ...) and how
they resolve to a Period of complete days, given today."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.i18n import N_, Msg
from bot.metrics.mistakes import show
from bot.metrics.query import Period, QueryError

# Each period word and what it means (docs/metrics.md lists them from here).
PERIOD_MEANINGS = {
    "yesterday": "the last complete day",
    "this-week": "Monday of this week to yesterday",
    "last-week": "Monday to Sunday of the week before this one",
    "this-month": "the 1st of this month to yesterday (also `mtd`)",
    "last-month": "the calendar month before this one",
    "this-quarter": "the first day of this quarter to yesterday (also `qtd`)",
    "last-quarter": "the calendar quarter before this one",
    "this-year": "1 January to yesterday (also `ytd`)",
    "last-year": "the calendar year before this one",
    "mtd": "month to date, as `this-month`",
    "qtd": "quarter to date, as `this-quarter`",
    "ytd": "year to date, as `this-year`",
}
PERIOD_WORDS = tuple(PERIOD_MEANINGS)
# Other spellings of the words: without the hyphen, and the "... to date" phrases.
_PERIOD_ALIASES = {
    **{word: word for word in PERIOD_WORDS},
    **{word.replace("-", ""): word for word in PERIOD_WORDS},
    "wtd": "this-week",
    "week-to-date": "this-week",
    "month-to-date": "mtd",
    "quarter-to-date": "qtd",
    "year-to-date": "ytd",
}
# "last 7 days", "past 12 weeks": the same as since=7d, since=12w.
_LAST_WORDS = ("last", "past")
_LAST_UNITS = {
    "day": "d",
    "days": "d",
    "week": "w",
    "weeks": "w",
    "month": "m",
    "months": "m",
    "year": "y",
    "years": "y",
}
# The calendar units of the "this ..." words, as said in a message.
UNIT_WORDS = {
    "week": N_("week"),
    "month": N_("month"),
    "quarter": N_("quarter"),
    "year": N_("year"),
}
DEFAULT_DAYS = 30
MAX_SINCE_DAYS = 3660
MIN_YEAR = 1900
_SINCE = re.compile(r"^(\d{1,5})([dwmy])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass
class PeriodSpec:
    """The period as a person gave it: at most one of since=, period=, from=/to=, a word."""

    since: str | None = None
    period: str | None = None
    start: str | None = None
    end: str | None = None
    word: str | None = None

    def given(self) -> list[str]:
        """The ways the period was given, for the message when there is more than one."""
        out = []
        if self.since is not None:
            out.append("since=")
        if self.period is not None:
            out.append("period=")
        if self.start is not None or self.end is not None:
            out.append("from=/to=")
        if self.word is not None:
            out.append(self.word)
        return out


def period_word(word: str) -> str | None:
    """The period word `word` stands for ("lastweek" -> "last-week"), or None."""
    return _PERIOD_ALIASES.get(word.lower().replace("_", "-"))


def period_phrase(words: list[str], index: int) -> tuple[str, str, int] | None:
    """The period said by the words from `index` on, as ("word", "last-month", words used)
    for "last month" or "month to date", or ("since", "7d", 3) for "last 7 days"; else None."""
    for size in (3, 2, 1):
        if index + size <= len(words):
            found = period_word("-".join(words[index : index + size]))
            if found is not None:
                return "word", found, size
    if index + 3 <= len(words) and words[index].lower() in _LAST_WORDS:
        count, unit = words[index + 1], _LAST_UNITS.get(words[index + 2].lower())
        if unit is not None and re.fullmatch(r"[0-9]{1,5}", count):
            return "since", f"{int(count)}{unit}", 3
    return None


def period_of(spec: PeriodSpec, today: date) -> tuple[Period, Msg | None]:
    """The period asked for, cut at yesterday, and a note when it was cut."""
    return _clip(_resolve(spec, today), today)


def bucket_count(period: Period, grain: str) -> int:
    """At most how many grain buckets the period holds (a cheap bound for weeks)."""
    if grain == "day":
        return period.days
    if grain == "week":
        return period.days // 7 + 2
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    if year < 1 or year > 9999:
        raise QueryError(Msg("that is too far back; ask for fewer months"))
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _parse_date(value: str, key: str) -> date:
    match = _DATE.match(value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise QueryError(
        Msg(
            'bad date "{typed}" in {key}=; write it as YYYY-MM-DD, e.g. 2026-09-01',
            typed=show(value),
            key=key,
        )
    )


def _resolve(spec: PeriodSpec, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    given = spec.given()
    if len(given) > 1:
        raise QueryError(
            Msg(
                "give the period one way only (got {given}): since=, period=, from=/to=, or a "
                "word such as mtd",
                given=" and ".join(given),
            )
        )
    if spec.word is not None:
        return _word_period(spec.word, today)
    if spec.since is not None:
        return _since_period(spec.since, today)
    if spec.period is not None:
        return _named_period(spec.period)
    if spec.start is not None or spec.end is not None:
        end = _parse_date(spec.end, "to") if spec.end is not None else yesterday
        if spec.start is not None:
            start = _parse_date(spec.start, "from")
        else:
            start = end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise QueryError(
                Msg("from= ({start}) is after to= ({end}); swap them", start=start, end=end)
            )
        return Period(start, end)
    return Period(
        yesterday - timedelta(days=DEFAULT_DAYS - 1),
        yesterday,
        Msg("last {days} days", days=DEFAULT_DAYS),
    )


def _word_period(word: str, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if word == "yesterday":
        return Period(yesterday, yesterday, N_("yesterday"))
    if word == "last-week":
        return Period(monday - timedelta(days=7), monday - timedelta(days=1), N_("last week"))
    if word == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, N_("last month"))
    if word == "last-quarter":
        return Period(_add_months(quarter, -3), quarter - timedelta(days=1), N_("last quarter"))
    if word == "last-year":
        if today.year - 1 < MIN_YEAR:
            raise QueryError(_too_far_back())
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), N_("last year"))
    starts = {
        "this-week": (monday, N_("this week"), "week"),
        "this-month": (today.replace(day=1), N_("this month"), "month"),
        "mtd": (today.replace(day=1), N_("month to date"), "month"),
        "this-quarter": (quarter, N_("this quarter"), "quarter"),
        "qtd": (quarter, N_("quarter to date"), "quarter"),
        "this-year": (date(today.year, 1, 1), N_("this year"), "year"),
        "ytd": (date(today.year, 1, 1), N_("year to date"), "year"),
    }
    start, label, unit = starts[word]
    if start > yesterday:
        raise QueryError(
            Msg(
                "the {unit} has no complete day yet (today is its first day); ask for "
                "{command} or since=30d",
                unit=Msg(UNIT_WORDS[unit]),
                command=f"last-{unit}",
            )
        )
    return Period(start, yesterday, label)


def _since_period(value: str, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    lowered = value.lower()
    match = _SINCE.match(lowered)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if count < 1:
            raise QueryError(Msg("since= needs at least one day, e.g. since=30d"))
        if unit in ("d", "w"):
            days = count * (7 if unit == "w" else 1)
            if days > MAX_SINCE_DAYS:
                raise QueryError(
                    Msg("since= reaches back at most {days} days", days=MAX_SINCE_DAYS)
                )
            return Period(yesterday - timedelta(days=days - 1), yesterday, _last(count, unit))
        months = count * (12 if unit == "y" else 1)
        if months > MAX_SINCE_DAYS // 30:
            raise QueryError(
                Msg("since= reaches back at most {months} months", months=MAX_SINCE_DAYS // 30)
            )
        start = _add_months(today, -months)
        return Period(start, yesterday, _last(count, unit))
    if _DATE.match(lowered):
        start = _parse_date(value, "since")
        if start > yesterday:
            raise QueryError(
                Msg(
                    "since= ({start}) is not before today; the last complete day is {yesterday}",
                    start=start,
                    yesterday=yesterday,
                )
            )
        return Period(start, yesterday, Msg("since {start}", start=start))
    raise QueryError(
        Msg(
            'bad since= value "{typed}"; use a number of days, weeks or months (since=30d, '
            "since=12w, since=6m) or a date (since=2026-09-01)",
            typed=show(value),
        )
    )


def _named_period(value: str) -> Period:
    lowered = value.lower()
    try:
        if match := _DATE.match(lowered):
            day = _parse_date(value, "period")
            return Period(day, day)
        if match := _MONTH.match(lowered):
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12 or year < 1:
                raise ValueError
            last = calendar.monthrange(year, month)[1]
            return Period(date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")
        if match := _WEEK.match(lowered):
            year, week = int(match.group(1)), int(match.group(2))
            monday = date.fromisocalendar(year, week, 1)
            return Period(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")
        if match := _QUARTER.match(lowered):
            year, quarter = int(match.group(1)), int(match.group(2))
            start = date(year, 3 * quarter - 2, 1)
            end = _add_months(start, 3) - timedelta(days=1)
            return Period(start, end, f"{year}-Q{quarter}")
        if match := _YEAR.match(lowered):
            year = int(match.group(1))
            return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    except (ValueError, OverflowError):
        raise QueryError(Msg('there is no period "{typed}"', typed=show(value))) from None
    raise QueryError(
        Msg(
            'bad period= value "{typed}"; use a month (2026-10), an ISO week (2026-W44), a '
            "quarter (2026-Q3), a year (2026) or a day (2026-10-05)",
            typed=show(value),
        )
    )


def _too_far_back() -> Msg:
    return Msg("that is too far back; ask for a period after {year}", year=MIN_YEAR)


def _said(label: str | Msg) -> Msg:
    """A period's label as a message (a marked constant is translated when said)."""
    return label if isinstance(label, Msg) else Msg(label)


def _last(count: int, unit: str) -> Msg:
    """ "last 14 days", "last 3 months" (since=14d, since=3m)."""
    return Msg(
        {
            "d": N_("last {count}d"),
            "w": N_("last {count}w"),
            "m": N_("last {count}m"),
            "y": N_("last {count}y"),
        }[unit],
        count=count,
    )


def _clip(period: Period, today: date) -> tuple[Period, Msg | None]:
    yesterday = today - timedelta(days=1)
    if period.start.year < MIN_YEAR:
        raise QueryError(_too_far_back())
    if period.start > yesterday:
        raise QueryError(
            Msg(
                "{period} has not happened yet; the last complete day is {yesterday}",
                period=_said(period.label) if period.label else period.start,
                yesterday=yesterday,
            )
        )
    if period.end > yesterday:
        clipped = Period(period.start, yesterday, period.label)
        said = _said(period.label) if period.label else Msg("the period")
        return clipped, Msg("{period} is not over: counted up to {day}", period=said, day=yesterday)
    return period, None
