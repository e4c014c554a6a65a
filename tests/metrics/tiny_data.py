"""A tiny hand-built data set whose comparison windows are obvious.

Today is 2026-03-16, so yesterday (the last complete day) is 2026-03-15. The questions ask
about W = 2026-03-08 .. 2026-03-14 (7 days); the previous period is 2026-03-01 .. 2026-03-07
and a year earlier is 2025-03-08 .. 2025-03-14.

channels: tiktok (paid), seo (organic)

spend (tiktok, no campaign): on 2026-03-DD for DD = 1 .. 14, amount DD
  W: 8 + 9 + ... + 14 = 77 | previous: 1 + 2 + ... + 7 = 28
spend a year earlier: 2025-03-07 1000 | 2025-03-08 100 | 2025-03-14 200 | 2025-03-15 2000
  a year before W: 100 + 200 = 300 (the 1000 and 2000 sit one day outside, on each side)

users (sign-up day):  u8 tiktok 02-28 | u9 tiktok 03-01 | u0 tiktok 03-07
                      u1 tiktok 03-08 | u2 seo 03-10 | u3 tiktok 03-14
orders: o6 u8 02-28 500 | o5 u9 03-01 8 | o4 u0 03-07 12
        o1 u1 03-08 30 | o7 u1 03-09 15 | o2 u2 03-14 45 | o3 u3 03-15 100
  W: revenue 30 + 15 + 45 = 90, sign-ups u1 u2 u3 = 3
  previous: revenue 8 + 12 = 20, sign-ups u9 u0 = 2
  (02-28 holds 500 of revenue and u8, 03-15 holds 100: one day outside each window)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Channel, Order, Spend, User

W = "from=2026-03-08 to=2026-03-14"
TODAY = datetime(2026, 3, 16, 9, tzinfo=UTC)

YEAR_EARLIER_SPEND = [
    (date(2025, 3, 7), 1000),
    (date(2025, 3, 8), 100),
    (date(2025, 3, 14), 200),
    (date(2025, 3, 15), 2000),
]
USERS = [
    ("u8", "02-28", "tiktok"),
    ("u9", "03-01", "tiktok"),
    ("u0", "03-07", "tiktok"),
    ("u1", "03-08", "tiktok"),
    ("u2", "03-10", "seo"),
    ("u3", "03-14", "tiktok"),
]
ORDERS = [
    ("o6", "u8", "02-28", 500),
    ("o5", "u9", "03-01", 8),
    ("o4", "u0", "03-07", 12),
    ("o1", "u1", "03-08", 30),
    ("o7", "u1", "03-09", 15),
    ("o2", "u2", "03-14", 45),
    ("o3", "u3", "03-15", 100),
]


def at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"2026-{day}").replace(hour=hour)


@pytest.fixture
def tiny(settings: Settings) -> Iterator[tuple[Settings, Database, ManualClock]]:
    """The data set above in a clean database, with the clock on 2026-03-16."""
    db = Database.from_settings(settings)
    with db.session() as session, session.begin():
        session.add_all(
            [
                Channel(key="tiktok", name="TikTok", kind="paid"),
                Channel(key="seo", name="SEO", kind="organic"),
            ]
        )
        session.flush()
        march = [(date(2026, 3, day), day) for day in range(1, 15)]
        for day, amount in march + YEAR_EARLIER_SPEND:
            session.add(Spend(date=day, channel="tiktok", campaign_id="", amount=amount))
        for uid, day, channel in USERS:
            session.add(User(id=uid, signed_up_at=at(day, 9), channel=channel))
        session.flush()
        for oid, uid, day, amount in ORDERS:
            session.add(Order(id=oid, user_id=uid, ordered_at=at(day, 12), amount=amount))
    yield settings, db, ManualClock(TODAY)
    db.dispose()
