"""A small hand-built journey whose volumes and conversions are worked out by hand.

Today is Monday 2026-03-16: the journey's default period is P = 2026-03-09 .. 03-15 (7 days),
compared with Q = 03-02 .. 03-08. Channels tiktok and douyin (both paid).

                    P (tiktok + douyin)          Q
impressions         1000 + 500 = 1500            800
clicks              100 + 50 = 150               80
landing_page_views  90 + 45 = 135                40       (and 1000 on 03-01: outside both)
leads               l1 l2 (tiktok), l3 (douyin)  l4
sign_ups            u1 u2 (tiktok), u3 (douyin)  u4 u5    (u6 signed up 03-01: outside)
activated           u1 (active 03-11), u5 (03-09) u6 (03-02), u4 (03-04)   (u2 active 03-14: not
                    the day after its sign-up)
add_to_carts        3 (tiktok)                   no rows: not measured then
first_orders        u1 u2 u5                     u4
repeat_customers    u1 (orders 03-10, 03-12)     u4 (03-05, 03-06)
win_backs           no rows at all: not measured

Conversions, P then Q:  clicks 0.1 / 0.1, landing 0.9 / 0.5, leads 3/135 / 1/40,
sign_ups 1.0 / 2.0 (-50%), activated 2/3 / 1.0 (-33%), add_to_carts 1.5 / none,
first_orders 1.0 / none, repeat_customers 1/3 / 1.0 (-67%: the biggest drop).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Activity, Channel, Lead, Order, Spend, Touchpoint, User

TODAY = datetime(2026, 3, 16, 9, tzinfo=UTC)
JOURNEY = """\
touchpoints:
  - {key: impressions, en: Ad impressions, zh: 广告曝光, owner: marketing, source: impressions}
  - {key: clicks, en: Ad clicks, zh: 广告点击, owner: marketing, source: clicks}
  - {key: landing_page_views, en: Landing page, zh: 落地页, owner: marketing, source: touchpoints}
  - {key: leads, en: Leads, zh: 线索, owner: marketing, source: leads}
  - {key: sign_ups, en: Sign-ups, zh: 注册, owner: operations, source: sign_ups}
  - {key: activated, en: Active next day, zh: 次日活跃, owner: operations, source: activated}
  - {key: add_to_carts, en: Add to cart, zh: 加购, owner: operations, source: touchpoints}
  - {key: first_orders, en: First orders, zh: 首单, owner: operations, source: first_orders}
  - {key: repeat_customers, en: Repeat, zh: 复购, owner: operations, source: repeat_customers}
  - {key: win_backs, en: Win-backs, zh: 召回, owner: operations, source: touchpoints}
"""


def day(text: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"2026-{text}").replace(hour=hour)


def load(db: Database) -> None:
    """Insert the data set into the analytics store."""
    spend = [
        (date(2026, 3, 10), "tiktok", 1000, 100),
        (date(2026, 3, 11), "douyin", 500, 50),
        (date(2026, 3, 3), "tiktok", 800, 80),
    ]
    touchpoints = [
        (date(2026, 3, 10), "tiktok", "landing_page_views", 90),
        (date(2026, 3, 11), "douyin", "landing_page_views", 45),
        (date(2026, 3, 3), "tiktok", "landing_page_views", 40),
        (date(2026, 3, 1), "tiktok", "landing_page_views", 1000),
        (date(2026, 3, 12), "tiktok", "add_to_carts", 3),
    ]
    users = [
        ("u1", "03-10", "tiktok"),
        ("u2", "03-12", "tiktok"),
        ("u3", "03-15", "douyin"),
        ("u4", "03-03", "tiktok"),
        ("u5", "03-08", "tiktok"),
        ("u6", "03-01", "tiktok"),
    ]
    leads = [
        ("l1", "03-10", "tiktok"),
        ("l2", "03-11", "tiktok"),
        ("l3", "03-12", "douyin"),
        ("l4", "03-04", "tiktok"),
    ]
    activity = [("u1", 11), ("u2", 14), ("u5", 9), ("u4", 4), ("u6", 2)]
    orders = [
        ("o1", "u1", "03-10"),
        ("o2", "u1", "03-12"),
        ("o3", "u2", "03-14"),
        ("o4", "u4", "03-05"),
        ("o5", "u4", "03-06"),
        ("o6", "u5", "03-09"),
    ]
    with db.analytics.begin() as connection:
        connection.execute(
            insert(Channel),
            [
                {"key": "tiktok", "name": "TikTok", "kind": "paid"},
                {"key": "douyin", "name": "抖音", "kind": "paid"},
            ],
        )
        connection.execute(
            insert(Spend),
            [
                {"date": d, "channel": c, "campaign_id": "", "amount": 10.0,
                 "impressions": i, "clicks": k}
                for d, c, i, k in spend
            ],
        )  # fmt: skip
        connection.execute(
            insert(Touchpoint),
            [{"date": d, "channel": c, "touchpoint": t, "count": n} for d, c, t, n in touchpoints],
        )
        connection.execute(
            insert(User),
            [{"id": u, "signed_up_at": day(d), "channel": c, "campaign_id": None}
             for u, d, c in users],
        )  # fmt: skip
        connection.execute(
            insert(Lead),
            [{"id": i, "created_at": day(d), "channel": c, "campaign_id": None, "user_id": None}
             for i, d, c in leads],
        )  # fmt: skip
        connection.execute(
            insert(Activity), [{"user_id": u, "date": date(2026, 3, n)} for u, n in activity]
        )
        connection.execute(
            insert(Order),
            [{"id": o, "user_id": u, "ordered_at": day(d, 12), "amount": 50.0}
             for o, u, d in orders],
        )  # fmt: skip


@pytest.fixture
def hand(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, Database, ManualClock]]:
    """The data set in a clean database, the journey file above as JOURNEY_FILE, the clock on
    2026-03-16."""
    path = tmp_path / "journey.yaml"
    path.write_text(JOURNEY, encoding="utf-8")
    tuned = settings.model_copy(update={"journey_file": str(path)})
    db = Database.from_settings(tuned)
    load(db)
    yield tuned, db, ManualClock(TODAY)
    db.dispose()
