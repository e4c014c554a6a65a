"""What the engine answers: numbers only; rendering lives elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.metrics.query import Query


@dataclass(frozen=True)
class Row:
    """One row of a breakdown (a channel, campaign or kind)."""

    key: str
    label: str
    value: float | None
    numerator: float
    denominator: float | None
    note: str | None = None


@dataclass(frozen=True)
class Point:
    """One bucket of the series: the bucket's first day and its value."""

    date: date
    value: float | None


@dataclass(frozen=True)
class Result:
    """The answer to a Query. `value` is None when there is no data; `note` then says why."""

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
    note: str | None = None
    data_through: date | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def change(self) -> float | None:
        """Relative change against the previous value (0.12 = +12%), None when undefined."""
        if self.value is None or self.previous_value in (None, 0):
            return None
        return (self.value - self.previous_value) / abs(self.previous_value)  # type: ignore[operator]
