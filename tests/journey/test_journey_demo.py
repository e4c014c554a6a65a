"""The journey on the demo data, as `warroom ask --json "/journey from=... to=..."` prints it:
the built-in counts equal the facts, the owners are the journey file's, and the planted TikTok
landing-page break is the biggest drop (both databases)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.core.clock import SYSTEM_CLOCK
from bot.core.db import Database
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.journey import load_map
from bot.models import Lead, Order, User


def _count_between(db: Database, column, first: date, last: date) -> int:  # type: ignore[no-untyped-def]
    low, high = datetime.combine(first, time()), datetime.combine(last + timedelta(1), time())
    with db.analytics.connect() as connection:
        return connection.execute(
            select(func.count()).where(column >= low, column < high)
        ).scalar_one()


def _first_orders(db: Database, first: date, last: date) -> int:
    low, high = datetime.combine(first, time()), datetime.combine(last + timedelta(1), time())
    firsts = select(func.min(Order.ordered_at).label("at")).group_by(Order.user_id).subquery()
    with db.analytics.connect() as connection:
        return connection.execute(
            select(func.count()).where(firsts.c.at >= low, firsts.c.at < high)
        ).scalar_one()


@pytest.mark.slow
def test_journey_json_on_the_demo_data(settings: Settings, db: Database, db_url: str) -> None:
    # The command line reads the real clock: the demo data ends yesterday.
    yesterday = SYSTEM_CLOCK.yesterday(settings.tz)
    load_demo(db, users=3000, days=60, seed=7, end_date=yesterday)
    first = yesterday - timedelta(days=6)
    runner = CliRunner()
    asked = f"/journey from={first} to={yesterday}"
    result = runner.invoke(cli, ["ask", "--json", asked], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {row["key"]: row for row in data["journey"]}
    assert rows["leads"]["value"] == _count_between(db, Lead.created_at, first, yesterday)
    assert rows["sign_ups"]["value"] == _count_between(db, User.signed_up_at, first, yesterday)
    assert rows["first_orders"]["value"] == _first_orders(db, first, yesterday)
    before = first - timedelta(days=7)
    previous = _count_between(db, User.signed_up_at, before, first - timedelta(days=1))
    assert rows["sign_ups"]["previous_value"] == previous
    owners = {point.key: point.owner for point in load_map(None).points}
    assert {key: row["owner"] for key, row in rows.items()} == owners
    assert list(rows) == list(owners)
    # The planted break: TikTok's landing page converts 0.3% of its visitors in the last 7
    # days; across every channel the landing page -> sign-up step falls most.
    assert data["handoff"] == "sign_ups"
    assert data["biggest_drop"] == "sign_ups"
    step = rows["sign_ups"]
    assert step["conversion"] < 0.5 * step["previous_conversion"]
    assert rows["landing_page_views"]["value"] > 0

    tiktok = runner.invoke(
        cli, ["ask", "--json", f"{asked} channel=tiktok"], env={"DATABASE_URL": db_url}
    )
    rows = {row["key"]: row for row in json.loads(tiktok.output)["journey"]}
    assert rows["sign_ups"]["conversion"] == pytest.approx(0.003, abs=0.0005)
    assert rows["sign_ups"]["previous_conversion"] > 0.03

    bad = runner.invoke(
        cli, ["ask", "--json", "/journey channel=tiktk"], env={"DATABASE_URL": db_url}
    )
    assert bad.exit_code == 2 and "tiktk" in bad.output
