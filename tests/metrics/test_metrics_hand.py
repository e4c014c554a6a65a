"""Every metric on a tiny hand-built data set, the expected value worked out by hand.

Settings: LTV_HORIZON_DAYS=10, ROI_WINDOW_DAYS=5, LEAD_WINDOW_DAYS=3, GROSS_MARGIN=0.5.
Today is 2026-03-31, so yesterday (the last complete day) is 2026-03-30.
Most questions ask about P = 2026-03-01 .. 2026-03-10 (10 days; 1 March is a Sunday).

channels: tiktok (paid, "TikTok"), douyin (paid, "抖音"), seo (organic, "SEO")
campaigns: c1 (tiktok, "Spring"), c2 (douyin, "Launch")

spend: 03-01 tiktok c1 100 | 03-02 tiktok (none) 50 | 03-01 douyin c2 200 | 03-05 douyin c2 100

users (sign-up): u1 tiktok c1 03-01 | u2 tiktok - 03-01 23:30 | u3 douyin c2 03-02
                 u4 seo - 03-03 | u5 douyin c2 03-04 (never orders) | u6 tiktok c1 02-20

orders: o1 u1 03-01 40 (u1's first) | o2 u1 03-11 60 (LTV day 10: in) | o3 u1 03-12 25 (day 11: out)
        o4 u2 03-02 00:30 30 | o5 u3 03-07 80 (ROI day 5: in) | o6 u3 03-08 20 (ROI day 6: out)
        o7 u4 03-03 10 | o8 u4 03-03 15 (same day) | o9 u6 02-25 70 | o10 u6 03-02 35

activity: u1 03-02, 03-08 | u2 03-02 | u3 03-04 | u4 03-04 | u5 03-05 | u6 02-21

leads: l1 03-01 tiktok c1 u1 (first order same day: converted)
       l2 03-01 douyin c2 u3 (first order 6 days later: not) | l3 03-04 douyin c2 u3 (3: converted)
       l8 03-03 douyin c2 u3 (4 days: not) | l4 03-02 tiktok - none (not)
       l5 03-03 seo - u4 (0: converted) | l6 03-05 douyin c2 u5 (never orders: not)
       l7 03-02 tiktok - u6 (ordered before the lead: not)
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics.engine import ask
from bot.metrics.format import result_as_json, result_as_text
from bot.metrics.result import Result
from bot.models import Activity, Campaign, Channel, Lead, Order, Spend, User

P = "from=2026-03-01 to=2026-03-10"
MARGIN = 0.5


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"2026-{day} {clock}")


USERS = [
    ("u1", "03-01", "10:00", "tiktok", "c1"),
    ("u2", "03-01", "23:30", "tiktok", None),
    ("u3", "03-02", "08:00", "douyin", "c2"),
    ("u4", "03-03", "12:00", "seo", None),
    ("u5", "03-04", "09:00", "douyin", "c2"),
    ("u6", "02-20", "09:00", "tiktok", "c1"),
]
ORDERS = [
    ("o1", "u1", "03-01", "11:00", 40),
    ("o2", "u1", "03-11", "09:00", 60),
    ("o3", "u1", "03-12", "09:00", 25),
    ("o4", "u2", "03-02", "00:30", 30),
    ("o5", "u3", "03-07", "10:00", 80),
    ("o6", "u3", "03-08", "10:00", 20),
    ("o7", "u4", "03-03", "13:00", 10),
    ("o8", "u4", "03-03", "18:00", 15),
    ("o9", "u6", "02-25", "12:00", 70),
    ("o10", "u6", "03-02", "12:00", 35),
]
ACTIVITY = [
    ("u1", "03-02"),
    ("u1", "03-08"),
    ("u2", "03-02"),
    ("u3", "03-04"),
    ("u4", "03-04"),
    ("u5", "03-05"),
    ("u6", "02-21"),
]
LEADS = [
    ("l1", "03-01", "tiktok", "c1", "u1"),
    ("l2", "03-01", "douyin", "c2", "u3"),
    ("l3", "03-04", "douyin", "c2", "u3"),
    ("l8", "03-03", "douyin", "c2", "u3"),
    ("l4", "03-02", "tiktok", None, None),
    ("l5", "03-03", "seo", None, "u4"),
    ("l6", "03-05", "douyin", "c2", "u5"),
    ("l7", "03-02", "tiktok", None, "u6"),
]


def _add_catalog_and_spend(session: Session) -> None:
    session.add_all(
        [
            Channel(key="tiktok", name="TikTok", kind="paid"),
            Channel(key="douyin", name="抖音", kind="paid"),
            Channel(key="seo", name="SEO", kind="organic"),
        ]
    )
    session.flush()
    session.add_all(
        [
            Campaign(id="c1", channel="tiktok", name="Spring", start_date=date(2026, 2, 1)),
            Campaign(id="c2", channel="douyin", name="Launch", start_date=date(2026, 2, 1)),
        ]
    )
    session.flush()
    session.add_all(
        [
            Spend(date=date(2026, 3, 1), channel="tiktok", campaign_id="c1", amount=100),
            Spend(date=date(2026, 3, 2), channel="tiktok", campaign_id="", amount=50),
            Spend(date=date(2026, 3, 1), channel="douyin", campaign_id="c2", amount=200),
            Spend(date=date(2026, 3, 5), channel="douyin", campaign_id="c2", amount=100),
        ]
    )


def _add_people(session: Session) -> None:
    for uid, day, clock_time, channel, campaign in USERS:
        session.add(
            User(id=uid, signed_up_at=at(day, clock_time), channel=channel, campaign_id=campaign)
        )
    session.flush()
    for oid, uid, day, clock_time, amount in ORDERS:
        session.add(Order(id=oid, user_id=uid, ordered_at=at(day, clock_time), amount=amount))
    for uid, day in ACTIVITY:
        session.add(Activity(user_id=uid, date=date.fromisoformat(f"2026-{day}")))
    for lid, day, channel, campaign, uid in LEADS:
        session.add(
            Lead(
                id=lid,
                created_at=at(day, "08:00"),
                channel=channel,
                campaign_id=campaign,
                user_id=uid,
            )
        )


@pytest.fixture
def hand(settings: Settings) -> tuple[Settings, Database, ManualClock]:
    tuned = settings.model_copy(
        update={
            "ltv_horizon_days": 10,
            "roi_window_days": 5,
            "lead_window_days": 3,
            "gross_margin": MARGIN,
            "currency": "USD",
        }
    )
    db = Database.from_settings(tuned)
    with db.session() as session, session.begin():
        _add_catalog_and_spend(session)
        _add_people(session)
    clock = ManualClock(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    yield tuned, db, clock
    db.dispose()


def run(hand, text: str) -> Result:
    settings, db, clock = hand
    return ask(text, settings, db, clock)


def approx(value: float | None, expected: float) -> bool:
    return value is not None and math.isclose(value, expected, rel_tol=1e-12)


SPEND = 100 + 50 + 200 + 100  # every spend row is inside P
NEW_CUSTOMERS = 4  # u1 (03-01), u2 (03-02), u4 (03-03), u3 (03-07); u6 first ordered in Feb


def test_spend_and_revenue(hand) -> None:
    assert approx(run(hand, f"/metric spend {P}").value, SPEND)
    assert approx(run(hand, f"/metric spend channel=tiktok {P}").value, 100 + 50)
    # o1 40 + o4 30 + o5 80 + o6 20 + o7 10 + o8 15 + o10 35; o2, o3 fall after 03-10
    revenue = run(hand, f"/metric revenue {P}")
    assert approx(revenue.value, 40 + 30 + 80 + 20 + 10 + 15 + 35)
    assert revenue.sample_size == 7  # orders
    # the previous period 02-19..02-28 starts a day before the data (02-20): compared,
    # with a note; it holds o9 only
    assert approx(revenue.previous_value, 70)
    assert "the previous period is only partly loaded (data starts 2026-02-20)" in revenue.note
    # 03-01..03-08 (o1 o4 o5 o6 o7 o8 o10) against 02-21..02-28, which holds o9 only
    week = run(hand, "/metric revenue from=2026-03-01 to=2026-03-08")
    assert approx(week.value, 230) and approx(week.previous_value, 70)
    assert approx(week.change, (230 - 70) / 70)


def test_new_customers_cac_and_first_order_cost(hand) -> None:
    assert run(hand, f"/metric new_customers {P}").value == NEW_CUSTOMERS
    cac = run(hand, f"/cac {P}")
    assert approx(cac.value, SPEND / NEW_CUSTOMERS)  # blended: organic u4 counts too
    assert cac.sample_size == NEW_CUSTOMERS
    assert approx(run(hand, f"/metric first_order_cost {P}").value, 450 / 4)
    assert approx(run(hand, f"/cac kind=paid {P}").value, 450 / 3)  # u1, u2, u3
    assert approx(run(hand, f"/cac campaign=c2 {P}").value, (200 + 100) / 1)  # u3
    assert approx(run(hand, f"/cac campaign=none {P}").value, 50 / 2)  # u2, u4
    assert approx(run(hand, f"/cac campaign=Spring {P}").value, 100 / 1)  # u1


def test_cac_breakdown_by_channel(hand) -> None:
    result = run(hand, f"/cac by=channel {P}")
    rows = {row.key: row for row in result.breakdown}
    assert approx(rows["tiktok"].value, 150 / 2)  # u1, u2
    assert approx(rows["douyin"].value, 300 / 1)  # u3
    assert rows["seo"].value == 0  # no spend but a customer: a real zero
    assert rows["douyin"].label == "抖音"
    # rows and total agree: sum of numerators / sum of denominators
    total = sum(r.numerator for r in rows.values()) / sum(r.denominator for r in rows.values())
    assert approx(result.value, total)


def test_ltv_horizon_boundary_margin_and_maturity(hand) -> None:
    # u1: o1 40 (day 0) + o2 60 (day 10 = H, in); o3 (day 11) is out
    # u2: 30 | u3: 80 + 20 | u4: 10 + 15
    ltv_revenue = (40 + 60) + 30 + (80 + 20) + (10 + 15)
    result = run(hand, f"/ltv {P}")
    assert approx(result.value, MARGIN * ltv_revenue / NEW_CUSTOMERS)
    assert result.maturity == 1.0  # every first order + 10 days <= 03-30
    assert approx(run(hand, f"/ltv channel=tiktok {P}").value, MARGIN * (100 + 30) / 2)
    assert approx(run(hand, f"/metric ltv_cac {P}").value, MARGIN * ltv_revenue / SPEND)


def test_ltv_maturity_of_young_cohorts(hand) -> None:
    settings, db, _ = hand
    # Today 03-14: yesterday 03-13, mature when first order <= 03-03: u1, u2, u4 of 4.
    early = ManualClock(datetime(2026, 3, 14, 9, tzinfo=UTC))
    result = ask(f"/ltv {P}", settings, db, early)
    assert result.maturity == 3 / 4 and result.so_far
    assert "so far, 75% mature" in result_as_text(result, settings)
    plain = ask(f"/ltv {P}", settings, db, early, extras=False)
    assert "cohort 75% mature" in (plain.note or "")


def test_roi_window_boundary(hand) -> None:
    # sign-ups in P: u1..u5. Revenue within 5 days of sign-up:
    # u1 o1 40 (day 0) | u2 o4 30 (day 1) | u3 o5 80 (day 5, in), o6 (day 6, out) | u4 10 + 15
    roi_revenue = 40 + 30 + 80 + (10 + 15)
    result = run(hand, f"/roi {P}")
    assert approx(result.value, roi_revenue / SPEND)
    assert result.sample_size == 5  # sign-ups
    organic = run(hand, f"/roi kind=organic {P}")
    assert organic.value is None
    assert (organic.note or "").startswith("no spend for organic channels in this period")


def test_retention(hand) -> None:
    # d1: u1 (03-02) u2 (03-02) u4 (03-04) u5 (03-05) active the next day; u3 was not
    d1 = run(hand, f"/retention {P}")
    assert approx(d1.value, 4 / 5)
    assert d1.sample_size == 5
    assert approx(run(hand, f"/metric retention_d7 {P}").value, 1 / 5)  # u1 on 03-08
    assert approx(run(hand, f"/retention d=7 {P}").value, 1 / 5)
    assert approx(run(hand, f"/retention channel=tiktok {P}").value, 2 / 2)
    daily = run(hand, "/retention d=1 from=2026-03-01 to=2026-03-04 grain=day")
    # 03-01: u1, u2 both back | 03-02: u3 not | 03-03: u4 back | 03-04: u5 back
    assert [p.value for p in daily.series] == [1.0, 0.0, 1.0, 1.0]


def test_retention_leaves_out_days_that_have_not_happened(hand) -> None:
    settings, db, _ = hand
    # Today 03-05: yesterday 03-04. D1 of a 03-04 sign-up (u5) is 03-05: not complete yet.
    early = ManualClock(datetime(2026, 3, 5, 9, tzinfo=UTC))
    result = ask("/retention d=1 from=2026-03-01 to=2026-03-04", settings, db, early)
    assert approx(result.value, 3 / 4)  # u1, u2, u4 of u1..u4
    # D7 of every sign-up in the period is still ahead: no data, and the note says why.
    later = ask("/retention d=7 from=2026-03-01 to=2026-03-04", settings, db, early)
    assert later.value is None
    assert "day 7 has not happened yet" in (later.note or "")


def test_lead_conversion_window_boundary(hand) -> None:
    # 8 leads in P; converted: l1 (day 0), l3 (day 3 = window), l5 (day 0) -> 3
    result = run(hand, f"/metric lead_conversion {P}")
    assert approx(result.value, 3 / 8)
    assert result.sample_size == 8
    assert approx(run(hand, f"/metric cost_per_converted_lead {P}").value, SPEND / 3)
    # douyin: l2 (6 days), l8 (4 days), l3 (3 days, converted), l6 (never) -> 1 of 4
    assert approx(run(hand, f"/metric lead_conversion channel=douyin {P}").value, 1 / 4)


def test_repeat_rate_counts_distinct_customers(hand) -> None:
    # orders in P per customer: u1 1, u2 1, u3 2, u4 2 (same day), u6 1 -> 2 of 5
    assert approx(run(hand, f"/metric repeat_rate {P}").value, 2 / 5)
    weekly = run(hand, f"/metric repeat_rate {P} grain=week")
    # ISO weeks clipped to P: 03-01 (Sunday) | 03-02..03-08 | 03-09..03-10
    assert [p.date for p in weekly.series] == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 9)]
    # 03-01: u1 once -> 0/1 | 03-02..08: u2 1, u3 2, u4 2, u6 1 -> 2/4 | 03-09..10: nobody
    assert [p.value for p in weekly.series] == [0.0, 0.5, None]
    # a customer whose two orders straddle two buckets is a repeat customer of neither
    # bucket but of the whole period: u1 orders 03-01 and 03-11
    wide = run(hand, "/metric repeat_rate from=2026-03-01 to=2026-03-12 grain=month")
    # u1 3 orders, u2 1, u3 2, u4 2, u6 1 -> 3 of 5, one month bucket
    assert approx(wide.value, 3 / 5)
    assert [p.value for p in wide.series] == [wide.value]


def test_revenue_series_by_week_and_month(hand) -> None:
    weekly = run(hand, f"/metric revenue {P} grain=week")
    # 03-01: o1 40 | 03-02..08: 30 + 80 + 20 + 10 + 15 + 35 | 03-09..10: none
    assert [p.value for p in weekly.series] == [40.0, 190.0, 0.0]
    monthly = run(hand, "/metric revenue from=2026-02-20 to=2026-03-10 grain=month")
    assert [p.date for p in monthly.series] == [date(2026, 2, 20), date(2026, 3, 1)]
    assert [p.value for p in monthly.series] == [70.0, 230.0]
    # days after the last loaded day (03-12) are "not loaded", not zero
    late = run(hand, "/metric revenue from=2026-03-10 to=2026-03-14 grain=day")
    assert [p.value for p in late.series] == [0.0, 60.0, 25.0, None, None]
    assert "data loaded through 2026-03-12" in (late.note or "")


def test_empty_denominators_are_no_data_with_a_reason(hand) -> None:
    # douyin's only customer (u3) first ordered on 03-07
    result = run(hand, "/cac channel=douyin from=2026-03-01 to=2026-03-05")
    assert result.value is None
    assert (result.note or "").startswith("no new customers for douyin in this period")
    roi = run(hand, f"/roi channel=seo {P}")
    assert roi.value is None and (roi.note or "").startswith("no spend for seo in this period")
    as_json = result_as_json(roi)
    assert as_json["value"] is None and as_json["note"] == roi.note
    # a breakdown row with an empty denominator carries its own note
    rows = {row.key: row for row in run(hand, f"/roi by=channel {P}").breakdown}
    assert rows["seo"].value is None and rows["seo"].note == "no spend for seo in this period"


def test_kind_breakdown_and_channel_aliases(hand) -> None:
    rows = {row.key: row.value for row in run(hand, f"/cac by=kind {P}").breakdown}
    assert approx(rows["paid"], 450 / 3)
    assert rows["organic"] == 0
    alias = run(hand, f"/cac channel=抖音,TIKTOK {P}")
    assert alias.query.filters.channels == ("douyin", "tiktok")
    assert approx(alias.value, 450 / 3)


def test_no_data_outside_the_loaded_range(hand) -> None:
    result = run(hand, "/metric revenue from=2026-03-20 to=2026-03-25")
    assert result.value is None
    assert result.note is not None and "no data loaded for this period" in result.note
    assert result.data_through == date(2026, 3, 12)


def test_warroom_ask_prints_json_and_exits_2_on_a_bad_question(
    hand, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    settings, _, _ = hand
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LTV_HORIZON_DAYS", "10")
    monkeypatch.setenv("GROSS_MARGIN", str(MARGIN))
    runner = CliRunner()
    answer = runner.invoke(cli, ["ask", "--json", f"/ltv channel=tiktok {P}"])
    assert answer.exit_code == 0, answer.output
    data = json.loads(answer.output)
    assert data["metric"] == "ltv" and data["unit"] == "currency"
    assert data["period"] == {"from": "2026-03-01", "to": "2026-03-10"}
    assert data["filters"] == {"channel": ["tiktok"]}
    assert approx(data["value"], MARGIN * (100 + 30) / 2)  # u1 100, u2 30 within 10 days
    text = runner.invoke(cli, ["ask", f"/cac by=channel {P}"])
    assert text.exit_code == 0 and "抖音" in text.output and "¥300" in text.output
    bad = runner.invoke(cli, ["ask", "/ltv channel=tiktk"])
    assert bad.exit_code == 2
    assert 'unknown channel "tiktk" — did you mean tiktok?' in bad.output
    listing = runner.invoke(cli, ["ask", "/metric list"])
    assert listing.exit_code == 0 and "lead_conversion" in listing.output
