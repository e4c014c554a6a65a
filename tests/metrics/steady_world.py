"""A steady synthetic world: every channel signs up the same customers every day, at a
constant cost, and every customer buys along the same value curve of its channel. Nothing
changes, so every comparison should stay within noise, and each channel's LTV/CAC once its
cohorts are mature is known by construction.

Per channel and day, USERS_PER_DAY users sign up at 10:00 (each the lead of the day before;
the leads of the day after END have not signed up yet)
and place their first order that day; the channel spends its CAC for each of them, and one
more lead that day never signs up (lead conversion 80%). Every
customer orders again on days 20, 60 and 150 after the first (all inside the 180-day LTV
horizon; days 0 and 20 inside the 30-day ROI window). Order amounts carry a small seeded
noise (uniform 0.95 to 1.05). Every other user is active the next day (D1 50%).

| channel | kind    | CAC | amounts on days 0, 20, 60, 150 | LTV | LTV/CAC | ROI (30 d) |
|---------|---------|----:|--------------------------------|----:|--------:|-----------:|
| healthy | paid    | 100 | 200, 100, 100, 100             | 500 | 5       | 1:3        |
| weak    | paid    | 100 | 80, 40, 40, 40                 | 200 | 2       | 1:1.2      |
| dear    | paid    | 300 | 200, 100, 100, 100             | 500 | 1.67    | 1:1        |
| organic | organic | 0   | 100, 50, 50, 50                | 250 | -       | -          |

(LTV/CAC: of mature cohorts.)
`shift`: from SHIFT_FROM on, the dear channel signs up three times as many users a day (its
share of the mix triples; its CAC and value stay the same).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert

from bot.core.db import Database
from bot.models import Activity, Channel, Lead, Order, Spend, User

END = date(2026, 11, 30)  # the last day of data: yesterday when today is 1 Dec
NOW = datetime(2026, 12, 1, 8, 0)
DAYS = 240  # 180-day cohorts (mature) and 60 days after them
USERS_PER_DAY = 4
ORDER_DAYS = (0, 20, 60, 150)
SHIFT_FROM = date(2026, 11, 1)  # the last 30 days


@dataclass(frozen=True)
class Economics:
    key: str
    kind: str
    cac: float
    amounts: tuple[float, ...]
    roi_benchmark: float | None = None


CHANNELS = (
    Economics("healthy", "paid", 100.0, (200.0, 100.0, 100.0, 100.0), 2.0),
    Economics("weak", "paid", 100.0, (80.0, 40.0, 40.0, 40.0), 1.0),
    Economics("dear", "paid", 300.0, (200.0, 100.0, 100.0, 100.0), 0.5),
    Economics("organic", "organic", 0.0, (100.0, 50.0, 50.0, 50.0)),
)
MATURE_LTV_CAC = {"healthy": 5.0, "weak": 2.0, "dear": 500.0 / 300.0}


def build(db: Database, shift: bool = False, seed: int = 7) -> None:
    """Write the world's facts (END and the DAYS - 1 days before it) into `db`."""
    rng = random.Random(seed)
    first = END - timedelta(days=DAYS - 1)
    rows: dict[Any, list[dict[str, Any]]] = {Spend: [], User: [], Lead: [], Order: [], Activity: []}
    for economics in CHANNELS:
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            users = USERS_PER_DAY * (
                3 if shift and economics.key == "dear" and day >= SHIFT_FROM else 1
            )
            if economics.cac:
                rows[Spend].append(
                    {
                        "date": day,
                        "channel": economics.key,
                        "campaign_id": "",
                        "amount": economics.cac * users,
                    }
                )
            for n in range(users):
                _customer(rows, rng, economics, day, n)
            if day == END:
                # Tomorrow's sign-ups are today's leads, not signed up yet.
                for n in range(users):
                    rows[Lead].append(
                        {
                            "id": f"lead-{economics.key}-tomorrow-{n}",
                            "created_at": datetime.combine(day, time(10)),
                            "channel": economics.key,
                            "user_id": None,
                        }
                    )
            lost = f"lost-{economics.key}-{day:%Y%m%d}"
            rows[Lead].append(
                {
                    "id": lost,
                    "created_at": datetime.combine(day, time(9)),
                    "channel": economics.key,
                    "user_id": None,
                }
            )
    with db.analytics.begin() as connection:
        connection.execute(
            insert(Channel),
            [
                {
                    "key": c.key,
                    "name": c.key.title(),
                    "kind": c.kind,
                    "roi_benchmark": c.roi_benchmark,
                }
                for c in CHANNELS
            ],
        )
        for table in (Spend, User, Lead, Order, Activity):
            connection.execute(insert(table), rows[table])


def _customer(
    rows: dict[Any, list[dict[str, Any]]],
    rng: random.Random,
    economics: Economics,
    day: date,
    n: int,
) -> None:
    user = f"{economics.key}-{day:%Y%m%d}-{n}"
    signed_up = datetime.combine(day, time(10))
    rows[User].append({"id": user, "signed_up_at": signed_up, "channel": economics.key})
    rows[Lead].append(
        {
            "id": f"lead-{user}",
            "created_at": signed_up - timedelta(days=1),
            "channel": economics.key,
            "user_id": user,
        }
    )
    for index, (after, amount) in enumerate(zip(ORDER_DAYS, economics.amounts, strict=True)):
        ordered = datetime.combine(day + timedelta(days=after), time(12))
        if ordered.date() > END:
            break
        rows[Order].append(
            {
                "id": f"{user}-{index}",
                "user_id": user,
                "ordered_at": ordered,
                "amount": round(amount * rng.uniform(0.95, 1.05), 2),
            }
        )
    if n % 2 == 0 and day < END:
        rows[Activity].append({"user_id": user, "date": day + timedelta(days=1)})
