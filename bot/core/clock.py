"""The one clock: everything that asks "what time is it" asks a Clock, so tests can set it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
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
