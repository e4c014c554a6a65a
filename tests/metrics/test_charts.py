"""Charts are real PNGs of a readable size, whatever the series looks like."""

from __future__ import annotations

import struct
from datetime import date, timedelta

from bot.metrics.charts import line_chart_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _days(n: int, start: date = date(2026, 1, 1)) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def test_a_chart_is_an_800_by_450_png() -> None:
    series = [(d, float(i)) for i, d in enumerate(_days(30))]
    png = line_chart_png("CAC · tiktok", series, unit="currency", label="CAC", currency="CNY")
    assert _size(png) == (800, 450)


def test_a_year_of_days_with_the_previous_period_and_gaps() -> None:
    days = _days(365)
    series = [(d, None if i % 50 == 0 else 100 + i % 7) for i, d in enumerate(days)]
    previous = [(d, 90 + i % 5) for i, d in enumerate(days)]
    png = line_chart_png("Spend", series, previous=previous, unit="currency", label="Spend")
    assert _size(png) == (800, 450)


def test_the_previous_period_changes_the_picture() -> None:
    series = [(d, float(i % 3)) for i, d in enumerate(_days(14))]
    alone = line_chart_png("Retention D1", series, unit="percent", label="D1")
    both = line_chart_png(
        "Retention D1", series, previous=[(d, 0.5) for d, _ in series], unit="percent"
    )
    assert alone != both


def test_no_values_at_all_still_draws_an_empty_chart() -> None:
    png = line_chart_png("ROI", [(d, None) for d in _days(3)], unit="ratio", display="roi")
    assert _size(png) == (800, 450)
