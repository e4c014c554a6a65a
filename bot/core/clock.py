"""The one clock: everything that asks "what time is it" asks a Clock, so tests can set it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)

    def today(self, tz: ZoneInfo) -> date:
        """Today's date in the time zone `tz`."""
        return self.now().astimezone(tz).date()

    def yesterday(self, tz: ZoneInfo) -> date:
        """The last complete day in the time zone `tz`."""
        return self.today(tz) - timedelta(days=1)


class ManualClock(Clock):
    """A clock that stands still until moved; for tests and replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (aware)."""
        with self._lock:
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        with self._lock:
            self._now += delta


SYSTEM_CLOCK = Clock()


def naive_utc(moment: datetime) -> datetime:
    """`moment` as naive UTC, the form the state store keeps timestamps in (SQLite has no
    time zones); a naive `moment` is taken to be naive UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def moment_at(day: date, hhmm: time, tz: ZoneInfo) -> datetime:
    """The aware moment of the wall-clock time `hhmm` on `day` in the time zone `tz`."""
    return datetime.combine(day, hhmm, tzinfo=tz)


def complete_weeks(end: date, count: int) -> list[tuple[date, date]]:
    """The last `count` complete ISO weeks (Monday to Sunday) ending on or before `end`,
    oldest first, as (monday, sunday) pairs."""
    last_sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    weeks = []
    for back in range(count - 1, -1, -1):
        sunday = last_sunday - timedelta(weeks=back)
        weeks.append((sunday - timedelta(days=6), sunday))
    return weeks
