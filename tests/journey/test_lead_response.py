"""Lead response time, the median hours from a lead to its first operations contact, worked
out by hand: odd and even counts, by channel, by day, the previous period as of its own day
(contacts made later left out), and a channel whose leads nobody contacted (both databases).

Today is 2026-03-16; the period is 2026-03-09 .. 03-15, the previous one 03-02 .. 03-08.

lead  channel  created           first contact      whole minutes
l1    tiktok   03-10 10:00       03-10 10:30        30
l2    tiktok   03-10 11:00       03-10 13:00        120
l3    tiktok   03-11 09:00       03-11 09:59:59     59 (rounded down)
l4    tiktok   03-12 08:00       never              -
l5    douyin   03-12 10:00       03-12 16:00        360
l8    wechat   03-13 10:00       never              -
l6    tiktok   03-05 10:00       03-05 11:00        60
l7    tiktok   03-06 10:00       03-09 10:00        4320 (after the previous period's day)

All channels: 30 59 120 360 -> (59 + 120) / 2 = 89.5 min = 1.4917 h; tiktok 59 min; douyin
360 min = 6 h; wechat: none. The previous period, read as of 03-08 (the last data day 03-15
less 7 days), has l6 only: 60 min = 1 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import ask
from bot.metrics.format import format_metric_value
from bot.metrics.registry import find_metric
from bot.metrics.statistics import count_of, median_of_counts
from bot.models import Channel, Lead, Spend

CLOCK = ManualClock(datetime(2026, 3, 16, 9, tzinfo=UTC))
LEADS = [
    ("l1", "tiktok", "03-10 10:00:00", "03-10 10:30:00"),
    ("l2", "tiktok", "03-10 11:00:00", "03-10 13:00:00"),
    ("l3", "tiktok", "03-11 09:00:00", "03-11 09:59:59"),
    ("l4", "tiktok", "03-12 08:00:00", None),
    ("l5", "douyin", "03-12 10:00:00", "03-12 16:00:00"),
    ("l8", "wechat", "03-13 10:00:00", None),
    ("l6", "tiktok", "03-05 10:00:00", "03-05 11:00:00"),
    ("l7", "tiktok", "03-06 10:00:00", "03-09 10:00:00"),
]


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(f"2026-{text}")


@pytest.fixture
def loaded(settings: Settings, db: Database) -> tuple[Settings, Database]:
    with db.analytics.begin() as connection:
        connection.execute(
            insert(Channel),
            [{"key": key, "name": key, "kind": "paid"} for key in ("tiktok", "douyin", "wechat")],
        )
        # Spend through 03-15, so the data runs to yesterday.
        connection.execute(
            insert(Spend),
            [{"date": date(2026, 3, 15), "channel": "tiktok", "campaign_id": "", "amount": 1.0}],
        )
        connection.execute(
            insert(Lead),
            [
                {"id": i, "channel": c, "created_at": _at(a), "first_contact_at": _at(b),
                 "campaign_id": None, "user_id": None}
                for i, c, a, b in LEADS
            ],
        )  # fmt: skip
    return settings, db


def _ask(loaded, words: str):  # type: ignore[no-untyped-def]
    settings, db = loaded
    return ask(f"/metric lead_response_hours {words}", settings, db, CLOCK)


def test_the_median_of_the_period_and_its_previous_one(loaded) -> None:  # type: ignore[no-untyped-def]
    result = _ask(loaded, "since=7d")
    assert result.value == pytest.approx(89.5 / 60)
    assert result.sample_size == 4  # contacted leads
    assert result.previous_value == pytest.approx(1.0)
    assert result.same_age
    assert result.drivers == ()  # a median is not the sum of its rows
    assert _ask(loaded, "since=7d channel=tiktok").value == pytest.approx(59 / 60)
    assert _ask(loaded, "since=7d channel=douyin").value == pytest.approx(6.0)


def test_by_channel_and_by_day(loaded) -> None:  # type: ignore[no-untyped-def]
    result = _ask(loaded, "since=7d by=channel")
    assert result.value == pytest.approx(89.5 / 60)  # the whole period's, not its rows'
    rows = {row.key: row.value for row in result.breakdown}
    assert rows == {"tiktok": pytest.approx(59 / 60), "douyin": pytest.approx(6.0)}
    daily = _ask(loaded, "since=7d grain=day")
    points = {str(point.date): point.value for point in daily.series}
    assert points["2026-03-10"] == pytest.approx(75 / 60)
    assert points["2026-03-11"] == pytest.approx(59 / 60)
    assert points["2026-03-12"] == pytest.approx(6.0)
    assert points["2026-03-13"] is None and points["2026-03-09"] is None
    assert daily.value == pytest.approx(89.5 / 60)


def test_nobody_contacted_is_no_data_not_zero(loaded) -> None:  # type: ignore[no-untyped-def]
    result = _ask(loaded, "since=7d channel=wechat")
    assert result.value is None
    assert "no contacted leads for wechat" in str(result.note)


def test_shown_in_hours() -> None:
    metric = find_metric("response_time")
    assert metric is not None and metric.name == "lead_response_hours"
    assert format_metric_value(89.5 / 60, metric, "CNY") == "1.5 h"
    assert not metric.adds_up()


def test_the_median_of_counted_values() -> None:
    assert median_of_counts([(5.0, 1)]) == 5.0
    assert median_of_counts([(1.0, 1), (9.0, 1), (3.0, 1)]) == 3.0  # 1 3 9
    assert median_of_counts([(1.0, 2), (3.0, 2)]) == 2.0  # 1 1 3 3
    assert median_of_counts([(1.0, 3), (3.0, 1)]) == 1.0  # 1 1 1 3
    assert median_of_counts([(2.0, 1), (4.0, 2), (10.0, 1)]) == 4.0  # 2 4 4 10
    assert count_of([(2.0, 1), (4.0, 2)]) == 3.0
