"""Comparisons at the same age, worked out by hand: the previous period [a - L, b - L] counts
only the facts dated up to T - L, T being the last day of data of the current period [a, b].

Settings: LTV_HORIZON_DAYS=10, ROI_WINDOW_DAYS=5, LEAD_WINDOW_DAYS=3, GROSS_MARGIN=1.
Today is 2026-03-31: yesterday, and the last day of data (T), is 03-30.
The question: channel tiktok, P = 03-21 .. 03-30 (L = 10 days); the previous period is
03-11 .. 03-20, read as of 03-20.

tiktok spend: 03-15 100 | 03-25 100
tiktok customers (sign-up day = first order day):
    B 03-15: 100 on 03-15, 50 on 03-18 (age 3), 200 on 03-22 (age 7: after 03-20)
    C 03-18: 40 on 03-18, 60 on 03-21 (age 3: after 03-20)
    A 03-25: 100 on 03-25, 50 on 03-28 (age 3)
    D 03-28: 40 on 03-28
    so at the same age B and C have 150 + 40 = 190, as A and D have now
tiktok sign-ups without orders: G 03-20 (active 03-21: its day 1 is after 03-20)
                                H 03-30 (its day 1 is today)
activity: A 03-26, B 03-16 (both day 1), G 03-21; A 03-30 (so the data runs through 03-30)
leads (tiktok): l1 03-18 of C (converted the same day) | l2 03-19 of E, a douyin user first
    ordering on 03-21 (day 2 of 3: converted, but after 03-20) | l3 03-25 of A (converted)
    | l4 03-29 of F, a douyin user who has not ordered (not converted)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics.engine import ask
from bot.metrics.format import result_as_json, result_as_text
from bot.metrics.result import Result
from tests.metrics import hand_facts as f

P = "channel=tiktok from=2026-03-21 to=2026-03-30"
TODAY = datetime(2026, 3, 31, 9, tzinfo=UTC)


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Settings, Database]]:
    tuned = settings.model_copy(
        update={
            "ltv_horizon_days": 10,
            "roi_window_days": 5,
            "lead_window_days": 3,
            "gross_margin": 1.0,
            "currency": "USD",
        }
    )
    db = Database.from_settings(tuned)
    f.channels(db, "tiktok", "douyin")
    f.spend(db, "tiktok", ("03-15", 100.0), ("03-25", 100.0))
    f.customer(db, "B", "tiktok", "03-15", ("03-15", 100.0), ("03-18", 50.0), ("03-22", 200.0))
    f.customer(db, "C", "tiktok", "03-18", ("03-18", 40.0), ("03-21", 60.0))
    f.customer(db, "A", "tiktok", "03-25", ("03-25", 100.0), ("03-28", 50.0))
    f.customer(db, "D", "tiktok", "03-28", ("03-28", 40.0))
    f.customer(db, "G", "tiktok", "03-20")
    f.customer(db, "H", "tiktok", "03-30")
    f.customer(db, "E", "douyin", "03-19", ("03-21", 30.0))
    f.customer(db, "F", "douyin", "03-29")
    f.active(db, "A", "03-26", "03-30")
    f.active(db, "B", "03-16")
    f.active(db, "G", "03-21")
    f.lead(db, "l1", "tiktok", "03-18", "C")
    f.lead(db, "l2", "tiktok", "03-19", "E")
    f.lead(db, "l3", "tiktok", "03-25", "A")
    f.lead(db, "l4", "tiktok", "03-29", "F")
    yield tuned, db
    db.dispose()


def run(world, text: str, clock: datetime = TODAY, extras: bool = True) -> Result:
    settings, db = world
    return ask(text, settings, db, ManualClock(clock), extras=extras)


def same(value: float | None, expected: float) -> bool:
    return value is not None and math.isclose(value, expected, rel_tol=1e-12)


def test_ltv_and_ltv_cac_compare_cohorts_at_the_same_age(world) -> None:
    ltv = run(world, f"/ltv {P}")
    # A 150 + D 40 over 2 | B 100 + 50 (the 200 of 03-22 comes later) + C 40 over 2
    assert same(ltv.value, 190 / 2) and same(ltv.previous_value, 190 / 2)
    assert ltv.same_age and result_as_json(ltv)["same_age"] is True
    assert "compared at the same age" in result_as_text(ltv, world[0])
    # Counting every fact instead: B 350 + C 100 over 2.
    assert same(run(world, f"/ltv {P}", extras=False).previous_value, 450 / 2)
    ltv_cac = run(world, f"/metric ltv_cac {P}")
    assert same(ltv_cac.value, 190 / 100) and same(ltv_cac.previous_value, 190 / 100)


def test_roi_compares_sign_ups_at_the_same_age(world) -> None:
    roi = run(world, f"/roi {P}")
    # A 150 + D 40 over 100 | B 150 + C 40 (its 60 of 03-21 comes later) over 100
    assert same(roi.value, 1.9) and same(roi.previous_value, 1.9) and roi.same_age
    assert same(run(world, f"/roi {P}", extras=False).previous_value, 2.5)


def test_lead_conversion_counts_conversions_by_then(world) -> None:
    conversion = run(world, f"/metric lead_conversion {P}")
    # l3 of l3, l4 | l1 of l1, l2 (E's first order on 03-21 comes later)
    assert same(conversion.value, 1 / 2) and same(conversion.previous_value, 1 / 2)
    assert same(run(world, f"/metric lead_conversion {P}", extras=False).previous_value, 1.0)
    per_converted = run(world, f"/metric cost_per_converted_lead {P}")
    assert same(per_converted.value, 100.0) and same(per_converted.previous_value, 100.0)


def test_retention_leaves_out_sign_ups_whose_day_n_came_later(world) -> None:
    d1 = run(world, f"/retention {P}")
    # A of A, D (H's day 1 is today) | B of B, C (G's day 1, 03-21, is after 03-20)
    assert same(d1.value, 1 / 2) and same(d1.previous_value, 1 / 2) and d1.same_age
    assert same(run(world, f"/retention {P}", extras=False).previous_value, 2 / 3)


def test_sums_and_mature_cohorts_are_unchanged(world) -> None:
    cac = run(world, f"/cac {P}")
    assert same(cac.value, 50.0) and same(cac.previous_value, 50.0) and not cac.same_age
    # 03-16 .. 03-20 (C) against 03-11 .. 03-15 read as of 03-25: B's cohort had its 10 days
    # by then, so all of B's 350 counts, as without the rule.
    mature = run(world, "/ltv channel=tiktok from=2026-03-16 to=2026-03-20")
    assert same(mature.previous_value, 350.0) and not mature.same_age
    assert (
        mature.previous_value
        == run(
            world, "/ltv channel=tiktok from=2026-03-16 to=2026-03-20", extras=False
        ).previous_value
    )


def test_a_year_earlier_is_read_as_of_a_year_earlier(world) -> None:
    settings, db = world
    # A customer of 2025-03-25: 100 that day, 50 on 03-28 and 300 on 04-02, after 2025-03-30.
    f.customer(db, "Y", "tiktok", "03-25", ("03-25", 100.0), ("03-28", 50.0), ("04-02", 300.0))
    with db.analytics.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE orders SET ordered_at = ordered_at - INTERVAL '1 year' WHERE user_id = 'Y'"
            if connection.dialect.name == "postgresql"
            else "UPDATE orders SET ordered_at = datetime(ordered_at, '-1 year') "
            "WHERE user_id = 'Y'"
        )
    yoy = run(world, f"/ltv {P} vs=yoy")
    assert same(yoy.previous_value, 150.0) and yoy.same_age


def test_lagging_data_is_compared_over_as_many_days(world) -> None:
    _, db = world
    f.spend(db, "tiktok", ("03-17", 10.0), ("03-27", 10.0))
    # Today 04-05, but the data runs through 03-30 (T). P2 = 03-26 .. 04-04, L = 10: the
    # previous period 03-16 .. 03-25 counts spend dated up to 03-20 only.
    later = datetime(2026, 4, 5, 9, tzinfo=UTC)
    spend = run(world, "/metric spend channel=tiktok from=2026-03-26 to=2026-04-04", later)
    assert same(spend.value, 10.0) and same(spend.previous_value, 10.0) and spend.same_age
    every = run(world, "/metric spend channel=tiktok from=2026-03-26 to=2026-04-04", later, False)
    assert same(every.previous_value, 110.0)
