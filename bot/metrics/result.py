"""What the engine answers: numbers only; rendering lives elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.i18n import Text
from bot.metrics.drivers import Driver
from bot.metrics.query import Query


@dataclass(frozen=True)
class Row:
    """One row of a breakdown (a channel, campaign or kind)."""

    key: str
    label: str
    value: float | None
    numerator: float
    denominator: float | None
    note: Text | None = None
    # The row's value with its young cohorts projected to the full window (see Result).
    projected_value: float | None = None


@dataclass(frozen=True)
class Point:
    """One bucket of the series: the bucket's first day and its value."""

    date: date
    value: float | None


@dataclass(frozen=True)
class Result:
    """The answer to a Query. `value` is None when there is no data; `note` then says why.

    For a metric over cohorts that grow for a window of days (LTV, ROI), `projected_value` is
    the value at the full window (`window_days`): the value itself once every cohort is that
    old, else the chain-ladder projection; None when it cannot be projected. `same_age` says
    the previous value counts only the facts its cohorts had at the age the current ones have
    now. `drivers` split value - previous_value by channel, campaign and kind."""

    query: Query
    value: float | None
    numerator: float
    denominator: float | None
    previous_value: float | None = None
    sample_size: int = 0
    maturity: float | None = None
    breakdown: tuple[Row, ...] = ()
    series: tuple[Point, ...] = ()
    previous_series: tuple[Point, ...] = ()
    note: Text | None = None
    data_through: date | None = None
    warnings: tuple[str, ...] = field(default=())
    projected_value: float | None = None
    window_days: int | None = None
    # True when some cohorts are younger than the window: the value is a value so far.
    so_far: bool = False
    same_age: bool = False
    drivers: tuple[Driver, ...] = ()

    @property
    def change(self) -> float | None:
        """Relative change against the previous value (0.12 = +12%), None when undefined."""
        if self.value is None or self.previous_value in (None, 0):
            return None
        return (self.value - self.previous_value) / abs(self.previous_value)  # type: ignore[operator]

    @property
    def change_points(self) -> float | None:
        """A percent metric's change in percentage points (34.2% to 32.9% is -1.3); None for
        other units or when there is nothing to compare."""
        if self.query.metric.unit != "percent":
            return None
        if self.value is None or self.previous_value is None:
            return None
        return (self.value - self.previous_value) * 100
