"""The playbook rules at their boundaries, with the default thresholds (ALERT_LTV_CAC_MIN 3,
ALERT_RETENTION_DROP_DAYS 3, ALERT_ROI_WEEKS 2): each rule runs through its real check on
small hand-made facts on one side of the boundary or the other, so both the comparison and
the window the rule looks at are pinned; the comparisons are also tested on their own.

Every fact set is read as of NOW, Tuesday 1 Dec 2026 08:00 UTC (the workspace's time zone), so
yesterday, the last complete day, is Monday 30 Nov.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.render import blocks_as_text
from bot.core.settings import Settings
from bot.core.workspace import WORKSPACE_SETTINGS
from bot.metrics import rollups
from bot.models import Activity, Channel, Order, Spend, User
from bot.warroom import alerts
from bot.warroom.forms import SETTINGS_FIELDS, settings_modal
from bot.warroom.render import alert_message

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NOV = {day: date(2026, 11, day) for day in range(1, 31)}
OCT_31 = date(2026, 10, 31)
OCT_1 = date(2026, 10, 1)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


def _insert(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    with db.analytics.begin() as connection:
        connection.execute(insert(table), rows)


def _evaluate(settings: Settings, db: Database, rule: str) -> dict[str, alerts.Finding]:
    """Refresh the rollups, then run one rule as the hourly evaluation would; by subject."""
    clock = ManualClock(NOW)
    rollups.refresh(settings, db, clock)
    findings = alerts.evaluate_rule(alerts.RULES[rule], settings, db, clock)
    return {finding.subject: finding for finding in findings}


def test_the_defaults_the_boundaries_below_assume(settings: Settings) -> None:
    assert settings.alert_ltv_cac_min == 3
    assert settings.alert_retention_drop_days == 3
    assert settings.alert_roi_weeks == 2


# ------------------------------------------------------------------------- LTV/CAC

MAY_1 = date(2026, 5, 1)  # a cohort that has reached the 180-day horizon by 30 Nov


def _mature_history(db: Database, later: float) -> None:
    """One tiktok customer first ordering 100 on 1 May, and `later` on 9 Aug (day 100 of the
    horizon): their cohort has reached the horizon, so young cohorts are projected with the
    factor (100 + later) / 100 at every age under 100 days (1 with later = 0)."""
    _insert(db, User, [{"id": "old", "signed_up_at": _at(MAY_1, 9), "channel": "tiktok"}])
    orders = [{"id": "old-1", "user_id": "old", "ordered_at": _at(MAY_1, 12), "amount": 100.0}]
    if later:
        day_100 = MAY_1 + timedelta(days=100)
        orders.append(
            {"id": "old-2", "user_id": "old", "ordered_at": _at(day_100, 12), "amount": later}
        )
    _insert(db, Order, orders)


def _ltv_cac_facts(db: Database, second_customer_revenue: float, later: float = 0.0) -> None:
    """One paid channel. The 30 days up to yesterday are 1 Nov to 30 Nov: spend 400 on 1 Nov
    and 600 on 30 Nov (1000), and two customers, one first ordering 1000 on 1 Nov, the other
    `second_customer_revenue` on 30 Nov. 31 Oct, just outside, has 1000 of spend and nothing
    else: a 31-day window would halve the ratio, a 29-day one (2 Nov on) would leave
    second_customer_revenue / 600. The mature history (see _mature_history) sets the
    projection's factor."""
    _insert(db, Channel, [{"key": "tiktok", "name": "TikTok", "kind": "paid"}])
    _mature_history(db, later)
    _insert(
        db,
        Spend,
        [
            {"date": OCT_31, "channel": "tiktok", "campaign_id": "", "amount": 1000.0},
            {"date": NOV[1], "channel": "tiktok", "campaign_id": "", "amount": 400.0},
            {"date": NOV[30], "channel": "tiktok", "campaign_id": "", "amount": 600.0},
        ],
    )
    _insert(
        db,
        User,
        [
            {"id": "first", "signed_up_at": _at(NOV[1], 10), "channel": "tiktok"},
            {"id": "second", "signed_up_at": _at(NOV[30], 10), "channel": "tiktok"},
        ],
    )
    _insert(
        db,
        Order,
        [
            {"id": "o1", "user_id": "first", "ordered_at": _at(NOV[1], 12), "amount": 1000.0},
            {
                "id": "o2",
                "user_id": "second",
                "ordered_at": _at(NOV[30], 12),
                "amount": second_customer_revenue,
            },
        ],
    )


@pytest.mark.parametrize(
    ("second_customer_revenue", "ltv_cac", "fires"),
    [
        # (1000 + 1990) / 1000 = 2.99: under 3, fires. (A 29-day window: 1990 / 600 = 3.32.)
        (1990.0, 2.99, True),
        # (1000 + 2000) / 1000 = 3.00: the target itself is fine. (A 31-day window: 1.5.)
        (2000.0, 3.00, False),
    ],
)
def test_ltv_cac_under_three_over_the_last_30_days_fires(
    settings: Settings,
    db: Database,
    second_customer_revenue: float,
    ltv_cac: float,
    fires: bool,
) -> None:
    # The history's customer bought on day 0 only: the projection is the value so far.
    _ltv_cac_facts(db, second_customer_revenue)
    findings = _evaluate(settings, db, "ltv_cac_low")
    assert set(findings) == {"tiktok"}
    finding = findings["tiktok"]
    assert finding.details["value"] == pytest.approx(ltv_cac)
    assert finding.details["so_far"] == pytest.approx(ltv_cac)
    assert finding.firing is fires
    assert "2026-11-01 to 2026-11-30" in finding.summary


@pytest.mark.parametrize(
    ("second_customer_revenue", "so_far", "projected", "fires"),
    [
        # So far (1000 + 190) / 1000 = 1.19, under 3; the history's customer bought 100 on day
        # 0 and 150 on day 100, so both cohorts (0 and 29 days old) grow 2.5x: 2.975, fires.
        (190.0, 1.19, 2.975, True),
        # So far 1.2, still under 3, but projected 3.0: the target itself, no alert.
        (200.0, 1.20, 3.0, False),
    ],
)
def test_ltv_cac_is_judged_on_the_projection_never_the_value_so_far(
    settings: Settings,
    db: Database,
    second_customer_revenue: float,
    so_far: float,
    projected: float,
    fires: bool,
) -> None:
    _ltv_cac_facts(db, second_customer_revenue, later=150.0)
    finding = _evaluate(settings, db, "ltv_cac_low")["tiktok"]
    assert finding.details["so_far"] == pytest.approx(so_far)
    assert finding.details["value"] == pytest.approx(projected)
    assert finding.details["projected"] is True
    assert finding.firing is fires
    assert "projected at 180 days" in finding.summary


def test_ltv_cac_says_nothing_without_any_cohort_that_reached_the_horizon(
    settings: Settings, db: Database
) -> None:
    """Young cohorts cannot be projected without history: no verdict (the so-far 1.5 would
    have fired), and the answer says why."""
    _insert(db, Channel, [{"key": "tiktok", "name": "TikTok", "kind": "paid"}])
    _insert(db, Spend, [{"date": NOV[1], "channel": "tiktok", "campaign_id": "", "amount": 1000.0}])
    _insert(db, User, [{"id": "u", "signed_up_at": _at(NOV[1], 10), "channel": "tiktok"}])
    _insert(
        db, Order, [{"id": "o", "user_id": "u", "ordered_at": _at(NOV[1], 12), "amount": 1500.0}]
    )
    assert _evaluate(settings, db, "ltv_cac_low") == {}


@pytest.mark.parametrize(
    ("value", "fires"),
    [(2.5, True), (2.99, True), (3.0, False), (3.01, False)],
)
def test_ltv_cac_low_is_strictly_under_the_minimum(value: float, fires: bool) -> None:
    assert alerts.ltv_cac_low(value, 3.0) is fires


# ------------------------------------------------------------------------- D1 retention


def _retention_facts(db: Database, retained: tuple[int, ...]) -> None:
    """Ten sign-ups a day on 25 to 29 Nov; retained[i] of day i's come back the next day.
    Ten more sign up on 30 Nov: their next day is today, not complete yet.

    Activity runs through 30 Nov, so the last sign-up day with a complete D1 is 29 Nov and
    the rule looks at 26 to 29 Nov: four values, three day-to-day changes. 25 Nov is the day
    before: a window one day longer would include it."""
    _insert(db, Channel, [{"key": "xhs", "name": "Xiaohongshu", "kind": "organic"}])
    users, active = [], []
    for offset, back in enumerate((*retained, 0)):
        day = NOV[25] + timedelta(days=offset)
        for n in range(10):
            user = f"{day:%d}-{n}"
            users.append({"id": user, "signed_up_at": _at(day, 10), "channel": "xhs"})
            active.append({"user_id": user, "date": day})
            if n < back:
                active.append({"user_id": user, "date": day + timedelta(days=1)})
    _insert(db, User, users)
    _insert(db, Activity, active)


@pytest.mark.parametrize(
    ("retained", "values", "fires"),
    [
        # 80% → 70% → 60% → 50%: down on each of 3 days, fires. With 25 Nov's 50% in front
        # (a 4-day window) it would not be falling all along.
        ((5, 8, 7, 6, 5), [0.8, 0.7, 0.6, 0.5], True),
        # 60% → 70% → 60% → 50%: down on the last 2 days only (a 2-day window would fire).
        ((5, 6, 7, 6, 5), [0.6, 0.7, 0.6, 0.5], False),
        # 80% → 70% → 70% → 60%: an equal day is not a fall.
        ((5, 8, 7, 7, 6), [0.8, 0.7, 0.7, 0.6], False),
    ],
)
def test_d1_retention_down_three_days_in_a_row_fires(
    settings: Settings,
    db: Database,
    retained: tuple[int, ...],
    values: list[float],
    fires: bool,
) -> None:
    _retention_facts(db, retained)
    findings = _evaluate(settings, db, "retention_drop")
    assert set(findings) == {"all", "xhs"}  # the one channel is also everything
    for finding in findings.values():
        assert finding.details["values"] == pytest.approx(values)
        assert finding.firing is fires
        assert "2026-11-26 to 2026-11-29" in finding.summary


@pytest.mark.parametrize(
    ("values", "falling"),
    [
        ([0.8, 0.7, 0.6, 0.5], True),
        ([0.6, 0.7, 0.6, 0.5], False),
        ([0.8, 0.7, 0.6, 0.6], False),
        ([0.8, 0.8, 0.7, 0.6], False),
        ([0.8, None, 0.6, 0.5], False),
    ],
)
def test_strictly_falling_means_lower_every_day(values: list[float | None], falling: bool) -> None:
    assert alerts.strictly_falling(values) is falling


# ------------------------------------------------------------------------- ROI


def _roi_facts(db: Database, revenue: tuple[float, float, float], later: float = 0.0) -> None:
    """A paid channel with an ROI benchmark of 1:2. On the Mondays 9, 16 and 23 Nov (the
    weeks 9-15, 16-22 and 23-29 Nov) it spends 100 and signs up one user who orders
    revenue[i] the same day: that week's ROI is revenue[i] / 100. Monday 30 Nov starts a week
    that is not complete; its ROI (1:5) must not count. The two complete weeks up to yesterday
    are 16-22 and 23-29 Nov; 9-15 Nov is the week before them."""
    _insert(db, Channel, [{"key": "wechat", "name": "WeChat", "kind": "paid", "roi_benchmark": 2}])
    # A sign-up of 1 Oct (its 30-day window complete) who ordered on the day only: young
    # weeks are projected with a factor of 1, so their ROI is their value so far.
    _insert(db, User, [{"id": "oct", "signed_up_at": _at(OCT_1, 9), "channel": "wechat"}])
    _insert(
        db, Order, [{"id": "o-oct", "user_id": "oct", "ordered_at": _at(OCT_1, 12), "amount": 1.0}]
    )
    if later:
        # ... and `later` on day 20: cohorts younger than 20 days grow (1 + later)-fold.
        day_20 = _at(OCT_1 + timedelta(days=20), 12)
        _insert(
            db, Order, [{"id": "o-oct2", "user_id": "oct", "ordered_at": day_20, "amount": later}]
        )
    mondays = [NOV[9], NOV[16], NOV[23], NOV[30]]
    amounts = [*revenue, 500.0]
    _insert(
        db,
        Spend,
        [{"date": day, "channel": "wechat", "campaign_id": "", "amount": 100.0} for day in mondays],
    )
    _insert(
        db,
        User,
        [
            {"id": f"u{day:%d}", "signed_up_at": _at(day, 10), "channel": "wechat"}
            for day in mondays
        ],
    )
    _insert(
        db,
        Order,
        [
            {
                "id": f"o{day:%d}",
                "user_id": f"u{day:%d}",
                "ordered_at": _at(day, 12),
                "amount": amount,
            }
            for day, amount in zip(mondays, amounts, strict=True)
        ],
    )


@pytest.mark.parametrize(
    ("revenue", "weekly_roi", "fires"),
    [
        # 1:1.5 and 1:1.5, under 1:2 in both weeks: fires. (Three weeks would take in 1:3.)
        ((300.0, 150.0, 150.0), [1.5, 1.5], True),
        # 1:3 then 1:1.5: under in the last week only (so one week only would fire).
        ((300.0, 300.0, 150.0), [3.0, 1.5], False),
        # 1:1.5 then 1:3: under in the first week only.
        ((300.0, 150.0, 300.0), [1.5, 3.0], False),
    ],
)
def test_roi_under_benchmark_in_both_complete_weeks_fires(
    settings: Settings,
    db: Database,
    revenue: tuple[float, float, float],
    weekly_roi: list[float],
    fires: bool,
) -> None:
    _roi_facts(db, revenue)
    findings = _evaluate(settings, db, "roi_below_benchmark")
    assert set(findings) == {"wechat"}
    finding = findings["wechat"]
    assert finding.details["values"] == pytest.approx(weekly_roi)
    assert finding.firing is fires
    assert "from=2026-11-16 to=2026-11-29" in finding.command


def test_roi_weeks_are_judged_on_their_projection(settings: Settings, db: Database) -> None:
    """1:1.5 so far in both weeks, under 1:2; but the sign-ups (8 to 14 and 1 to 7 days old)
    are projected to twice that by the history (1 on day 0, 1 on day 20): 1:3, no alert."""
    _roi_facts(db, (300.0, 150.0, 150.0), later=1.0)
    finding = _evaluate(settings, db, "roi_below_benchmark")["wechat"]
    assert finding.details["values"] == pytest.approx([3.0, 3.0])
    assert finding.firing is False


@pytest.mark.parametrize(
    ("values", "under"),
    [
        ([1.5, 1.5], True),
        ([3.0, 1.5], False),
        ([1.5, 3.0], False),
        ([2.0, 1.5], False),  # at the benchmark is not under it
    ],
)
def test_under_every_week_means_every_week(values: list[float], under: bool) -> None:
    assert alerts.under_every_week(values, 2.0) is under


# ------------------------------------------------------------------------- surge


@pytest.mark.parametrize(
    ("count", "mean", "surge"),
    [
        (31, 10.0, True),  # more than 3 x 10
        (30, 10.0, False),  # exactly 3 x 10 is not more
        (20, 5.0, True),  # the noise floor itself counts
        (19, 1.0, False),  # under the noise floor, whatever the average
    ],
)
def test_is_surge(count: int, mean: float, surge: bool) -> None:
    assert alerts.is_surge(count, mean, 3.0) is surge


# ------------------------------------------------------------------------- the declarations


@pytest.mark.parametrize("rule", list(alerts.RULES.values()), ids=list(alerts.RULES))
def test_a_rule_is_one_declaration_everything_else_follows(rule: alerts.Rule) -> None:
    """A rule's threshold is a workspace setting the settings form shows with the rule's label,
    its tables are fact tables, and its alert renders from the declaration alone."""
    assert rule.setting in Settings.model_fields and rule.setting in WORKSPACE_SETTINGS
    assert rule.setting in SETTINGS_FIELDS
    env = Settings(_env_file=None)  # type: ignore[call-arg]
    labels = [b["label"]["text"] for b in settings_modal(env)["blocks"] if "label" in b]
    assert rule.setting_label in labels
    assert set(rule.tables) <= {"spend", "users", "orders", "activity", "leads"}
    assert set(rule.owners) <= {"marketing", "operations"}
    alert = alerts.Alert(
        1, "default", rule.name, "all", "open", {"summary": "numbers"}, NOW, None, None, None
    )
    text = blocks_as_text(alert_message(alert, "opened"))
    assert rule.title in text and rule.action in text and "numbers" in text
    assert all(step in text for step in rule.steps)
