"""A tiny hand-built growth data set whose numbers are obvious, for the Slack tests.

With the clock at 2026-11-02, "last 30 days" is 2026-10-03 .. 2026-11-01 and the previous
period 2026-09-03 .. 2026-10-02.

- tiktok (paid): spend 1,000 + 500 in the period, 1,200 before; customers u1 u2 u3 in the
  period (first orders 100, 50, 30), u5 before  -> CAC 500 now, 1,200 before (▼ 58.3%, good)
- douyin (paid): spend 900; customer u4 (first order 200)            -> CAC 900
- all channels in the period: spend 2,400, 4 new customers, CAC 600, revenue 380
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert

from bot.models import Activity, Channel, Order, Spend, User


def load_small_data_set(db: Any, settings: Any, clock: Any) -> None:
    """Insert the data set into the analytics store and build the rollups."""
    from bot.metrics.rollups import refresh

    channels = [
        {"key": "tiktok", "name": "TikTok", "kind": "paid", "roi_benchmark": 2.0},
        {"key": "douyin", "name": "Douyin", "kind": "paid", "roi_benchmark": 2.0},
    ]
    spend = [
        {"date": date(2026, 10, 10), "channel": "tiktok", "campaign_id": "", "amount": 1000},
        {"date": date(2026, 10, 20), "channel": "tiktok", "campaign_id": "", "amount": 500},
        {"date": date(2026, 10, 15), "channel": "douyin", "campaign_id": "", "amount": 900},
        {"date": date(2026, 9, 10), "channel": "tiktok", "campaign_id": "", "amount": 1200},
        {"date": date(2026, 11, 1), "channel": "douyin", "campaign_id": "", "amount": 0},
    ]
    users = [
        ("u1", datetime(2026, 10, 10, 9), "tiktok"),
        ("u2", datetime(2026, 10, 10, 10), "tiktok"),
        ("u3", datetime(2026, 10, 10, 11), "tiktok"),
        ("u4", datetime(2026, 10, 15, 9), "douyin"),
        ("u5", datetime(2026, 9, 10, 9), "tiktok"),
    ]
    orders = [
        ("o1", "u1", datetime(2026, 10, 11, 12), 100),
        ("o2", "u2", datetime(2026, 10, 12, 12), 50),
        ("o3", "u3", datetime(2026, 10, 12, 13), 30),
        ("o4", "u4", datetime(2026, 10, 16, 12), 200),
        ("o5", "u5", datetime(2026, 9, 11, 12), 80),
    ]
    with db.analytics.begin() as connection:
        connection.execute(insert(Channel), channels)
        connection.execute(insert(Spend), spend)
        connection.execute(
            insert(User),
            [{"id": i, "signed_up_at": t, "channel": c, "campaign_id": None} for i, t, c in users],
        )
        connection.execute(
            insert(Order),
            [{"id": i, "user_id": u, "ordered_at": t, "amount": a} for i, u, t, a in orders],
        )
        connection.execute(insert(Activity), [{"user_id": "u1", "date": date(2026, 10, 11)}])
    refresh(settings, db, clock, full=True)
