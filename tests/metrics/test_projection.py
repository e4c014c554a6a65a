"""Projections of young cohorts by the chain-ladder method, worked out by hand.

Settings: LTV_HORIZON_DAYS=10, ROI_WINDOW_DAYS=5, GROSS_MARGIN=1. Today is 2026-03-31, so the
last day of data is 03-30 and a cohort has reached the horizon when it is from 03-20 or
earlier. Every user signs up on the day of their first order.

tiktok, three cohorts:
    A 03-05 (mature): 20 customers, each 10 on day 0, 10 on day 2, 20 on day 8
    B 03-10 (mature): 10 customers, each 20 on day 0, 20 on day 5
    C 03-27 (3 days old): 5 customers, each 30 on day 0, 6 on day 3
  30 mature customers: tiktok's own curve. Value at the horizon 20 x 40 + 10 x 40 = 1200;
  at age 3: 20 x 20 + 10 x 20 = 600. Factor from age 3: 1200 / 600 = 2, so C's 5 x 36 = 180
  so far is projected to 360.
douyin, too little history (2 mature customers) for its own curve:
    D 03-05 (mature): 2 customers, each 50 on day 0, 150 on day 6 (its own factor: 4)
    E 03-28 (2 days old): 1 customer, 70 on day 0
  All channels' curve: at the horizon 1200 + 2 x 200 = 1600; at age 2: 400 + 200 + 100 = 700.
  E's 70 is projected to 70 x 1600 / 700 = 160.
tiktok spend: 100 on 03-27.
ROI (5-day window; sign-up cohorts from 03-25 or earlier have reached it): at age 3, tiktok's
A 20 x 20 and B 10 x 20 = 600 grow to A 20 x 20 and B 10 x 40 = 800 at 5 days: factor 4/3,
so C's 180 is projected to 240.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import projection
from bot.metrics.engine import ask
from bot.metrics.format import headline, result_as_json
from bot.metrics.result import Result
from tests.metrics import hand_facts as f

TODAY = ManualClock(datetime(2026, 3, 31, 9, tzinfo=UTC))
YOUNG = "from=2026-03-27 to=2026-03-30"


@pytest.fixture
def cohorts(settings: Settings) -> Iterator[tuple[Settings, Database]]:
    tuned = settings.model_copy(
        update={
            "ltv_horizon_days": 10,
            "roi_window_days": 5,
            "gross_margin": 1.0,
            "currency": "USD",
        }
    )
    db = Database.from_settings(tuned)
    f.channels(db, "tiktok", "douyin")
    f.customers(db, "a", 20, "tiktok", "03-05", ("03-05", 10.0), ("03-07", 10.0), ("03-13", 20.0))
    f.customers(db, "b", 10, "tiktok", "03-10", ("03-10", 20.0), ("03-15", 20.0))
    f.customers(db, "c", 5, "tiktok", "03-27", ("03-27", 30.0), ("03-30", 6.0))
    f.customers(db, "d", 2, "douyin", "03-05", ("03-05", 50.0), ("03-11", 150.0))
    f.customer(db, "e", "douyin", "03-28", ("03-28", 70.0))
    f.spend(db, "tiktok", ("03-27", 100.0))
    yield tuned, db
    db.dispose()


def run(cohorts, text: str) -> Result:
    settings, db = cohorts
    return ask(text, settings, db, TODAY)


def test_a_young_cohort_grows_by_its_channel_s_curve(cohorts) -> None:
    ltv = run(cohorts, f"/ltv channel=tiktok {YOUNG}")
    assert ltv.value == pytest.approx(180 / 5)
    assert ltv.projected_value == pytest.approx(360 / 5)
    assert ltv.so_far and ltv.maturity == 0 and ltv.window_days == 10
    assert headline(ltv, "USD") == "$36.00 so far, 0% mature · projected $72.00 at 10 days"
    assert result_as_json(ltv)["projected_value"] == pytest.approx(72.0)
    # With the mature cohorts: (800 + 400 + 180) so far, (800 + 400 + 360) projected, over 35.
    all_three = run(cohorts, "/ltv channel=tiktok from=2026-03-05 to=2026-03-30")
    assert all_three.value == pytest.approx(1380 / 35)
    assert all_three.projected_value == pytest.approx(1560 / 35)
    assert all_three.maturity == pytest.approx(30 / 35)


def test_little_history_uses_all_channels_curve(cohorts) -> None:
    ltv = run(cohorts, f"/ltv channel=douyin {YOUNG}")
    assert ltv.value == pytest.approx(70.0)
    assert ltv.projected_value == pytest.approx(160.0)
    rows = {row.key: row for row in run(cohorts, f"/ltv {YOUNG} by=channel").breakdown}
    assert rows["tiktok"].projected_value == pytest.approx(72.0)
    assert rows["douyin"].projected_value == pytest.approx(160.0)


def test_enough_history_uses_the_channel_s_own_curve(cohorts, monkeypatch) -> None:
    # With a threshold of 2 customers, douyin's own factor from age 2 (D: 2 x 50 to 2 x 200,
    # 4) applies: 70 x 4 = 280.
    monkeypatch.setattr(projection, "MIN_MATURE_MEMBERS", 2)
    projection.forget_curves()
    assert run(cohorts, f"/ltv channel=douyin {YOUNG}").projected_value == pytest.approx(280.0)


def test_roi_and_ltv_cac_are_projected_the_same_way(cohorts) -> None:
    roi = run(cohorts, f"/roi channel=tiktok {YOUNG}")
    assert roi.value == pytest.approx(180 / 100)
    assert roi.projected_value == pytest.approx(240 / 100)
    assert roi.window_days == 5
    ltv_cac = run(cohorts, f"/metric ltv_cac channel=tiktok {YOUNG}")
    assert ltv_cac.value == pytest.approx(1.8) and ltv_cac.projected_value == pytest.approx(3.6)


def test_mature_cohorts_are_their_own_projection(cohorts) -> None:
    mature = run(cohorts, "/ltv channel=tiktok from=2026-03-05 to=2026-03-10")
    assert not mature.so_far and mature.projected_value == mature.value == pytest.approx(40.0)
    assert headline(mature, "USD") == "$40.00"


def test_without_any_cohort_at_the_horizon_there_is_no_projection(settings: Settings) -> None:
    db = Database.from_settings(settings)
    f.channels(db, "tiktok")
    f.customer(db, "young", "tiktok", "03-27", ("03-27", 30.0), ("03-30", 6.0))
    result = ask(f"/ltv {YOUNG}", settings, db, TODAY)
    db.dispose()
    assert result.value == pytest.approx(36.0) and result.so_far
    assert result.projected_value is None
    assert "no projection yet: no cohort has had its 180 days" in (result.note or "")
    assert headline(result, "CNY").endswith("· no projection yet")
