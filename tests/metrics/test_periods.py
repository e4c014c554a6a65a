"""The period an answer is compared with: every date below is written out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from bot.metrics.engine import ask
from bot.metrics.format import result_as_json
from bot.metrics.query import Period, Query
from bot.metrics.registry import find_metric
from tests.metrics.tiny_data import W


def span(period: Period | None) -> tuple[date, date] | None:
    return None if period is None else (period.start, period.end)


@pytest.mark.parametrize(
    ("start", "end", "previous_start", "previous_end"),
    [
        # seven days: the seven days before
        (date(2026, 3, 8), date(2026, 3, 14), date(2026, 3, 1), date(2026, 3, 7)),
        # March (31 days): 29 January .. 28 February
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 1, 29), date(2026, 2, 28)),
        # March of a leap year: 30 January .. 29 February
        (date(2024, 3, 1), date(2024, 3, 31), date(2024, 1, 30), date(2024, 2, 29)),
        # February (28 days): 4 .. 31 January
        (date(2026, 2, 1), date(2026, 2, 28), date(2026, 1, 4), date(2026, 1, 31)),
        # 1 March of a leap year alone: 29 February alone
        (date(2024, 3, 1), date(2024, 3, 1), date(2024, 2, 29), date(2024, 2, 29)),
        # the first week of a year: the last week of the year before
        (date(2026, 1, 1), date(2026, 1, 7), date(2025, 12, 25), date(2025, 12, 31)),
    ],
)
def test_the_previous_period_has_the_same_length_and_ends_the_day_before(
    start: date, end: date, previous_start: date, previous_end: date
) -> None:
    previous = Period(start, end).previous()
    assert span(previous) == (previous_start, previous_end)
    assert previous.label == "previous period"


@pytest.mark.parametrize(
    ("start", "end", "earlier_start", "earlier_end"),
    [
        (date(2026, 3, 8), date(2026, 3, 14), date(2025, 3, 8), date(2025, 3, 14)),
        # 29 February becomes 28 February
        (date(2024, 2, 29), date(2024, 2, 29), date(2023, 2, 28), date(2023, 2, 28)),
        (date(2024, 2, 1), date(2024, 2, 29), date(2023, 2, 1), date(2023, 2, 28)),
        # the same dates, even when the year before has a 29 February between them
        (date(2025, 2, 28), date(2025, 3, 1), date(2024, 2, 28), date(2024, 3, 1)),
        (date(2024, 12, 31), date(2025, 1, 1), date(2023, 12, 31), date(2024, 1, 1)),
    ],
)
def test_a_year_earlier_is_the_same_dates(
    start: date, end: date, earlier_start: date, earlier_end: date
) -> None:
    earlier = Period(start, end).year_ago()
    assert span(earlier) == (earlier_start, earlier_end)
    assert earlier.label == "a year earlier"


def test_the_comparison_period_follows_vs() -> None:
    metric = find_metric("spend")
    assert metric is not None
    period = Period(date(2024, 3, 1), date(2024, 3, 31))
    prev = Query(metric=metric, period=period)
    assert span(prev.comparison_period()) == (date(2024, 1, 30), date(2024, 2, 29))
    yoy = Query(metric=metric, period=period, compare="yoy")
    assert span(yoy.comparison_period()) == (date(2023, 3, 1), date(2023, 3, 31))
    assert Query(metric=metric, period=period, compare="none").comparison_period() is None


def test_an_answer_compares_with_the_seven_days_before(tiny) -> None:
    settings, db, clock = tiny
    spend = ask(f"/metric spend {W}", settings, db, clock)
    assert spend.value == 8 + 9 + 10 + 11 + 12 + 13 + 14
    assert spend.previous_value == 1 + 2 + 3 + 4 + 5 + 6 + 7  # 03-01 .. 03-07
    assert spend.change == pytest.approx((77 - 28) / 28)
    assert result_as_json(spend)["previous_period"] == {"from": "2026-03-01", "to": "2026-03-07"}
    # revenue 03-01 .. 03-07: o5 8 (03-01) + o4 12 (03-07); o6 (02-28) is a day before
    revenue = ask(f"/metric revenue {W}", settings, db, clock)
    assert (revenue.value, revenue.previous_value) == (90, 20)


def test_an_answer_compares_with_the_same_days_a_year_earlier(tiny) -> None:
    settings, db, clock = tiny
    spend = ask(f"/metric spend {W} vs=yoy", settings, db, clock)
    # 2025-03-08 100 + 2025-03-14 200; 03-07 (1000) and 03-15 (2000) are outside
    assert spend.previous_value == 300
    assert result_as_json(spend)["previous_period"] == {"from": "2025-03-08", "to": "2025-03-14"}
    assert ask(f"/metric spend {W} vs=none", settings, db, clock).previous_value is None


def test_the_previous_series_covers_the_previous_days(tiny) -> None:
    settings, db, clock = tiny
    result = ask(f"/metric spend {W} grain=day", settings, db, clock)
    assert [p.date for p in result.series] == [date(2026, 3, day) for day in range(8, 15)]
    assert [p.date for p in result.previous_series] == [date(2026, 3, day) for day in range(1, 8)]
    assert [p.value for p in result.previous_series] == [1, 2, 3, 4, 5, 6, 7]
