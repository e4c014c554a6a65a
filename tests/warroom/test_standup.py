"""Stand-up updates: one per person per day, by team, editable until the digest goes out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from bot.core import runs
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Campaign, Channel
from bot.warroom import standup
from bot.warroom.team import add_member

WS = "default"
DAY = date(2026, 11, 2)


def as_(db: Database, user: str) -> Context:
    """The Context of `user` acting in the test workspace."""
    settings = Settings(_env_file=None, database_url=db.state.url.render_as_string(False))  # type: ignore[call-arg]
    return Context(env=settings, db=db, actor=user)


@pytest.fixture
def team(db: Database) -> Database:
    add_member(db, WS, "U0MKT", "marketing")
    add_member(db, WS, "U0OPS", "operations")
    add_member(db, WS, "U0QUIET", "operations")
    with db.analytics.begin() as connection:
        connection.execute(insert(Channel).values(key="tiktok", name="TikTok", kind="paid"))
        connection.execute(
            insert(Campaign),
            [
                {
                    "id": "old",
                    "channel": "tiktok",
                    "name": "Summer",
                    "start_date": date(2026, 6, 1),
                    "end_date": date(2026, 8, 31),
                    "status": "ended",
                },
                {
                    "id": "live",
                    "channel": "tiktok",
                    "name": "Double 11",
                    "start_date": date(2026, 10, 20),
                    "end_date": None,
                    "status": "active",
                },
                {
                    "id": "next",
                    "channel": "tiktok",
                    "name": "New year",
                    "start_date": date(2026, 12, 20),
                    "end_date": None,
                    "status": "draft",
                },
            ],
        )
    return db


def test_campaigns_running_first(team: Database) -> None:
    choices = standup.campaign_choices(team, DAY)
    assert [c.id for c in choices] == ["live", "next", "old"]
    assert choices[0].active and not choices[1].active
    assert choices[0].label == "Double 11 (tiktok)"
    assert len(standup.campaign_choices(team, DAY, limit=2)) == 2


def test_one_update_per_person_per_day_last_wins(team: Database) -> None:
    standup.save_update(as_(team, "U0MKT"), DAY, campaign_id="live", shipped="teaser")
    standup.save_update(
        as_(team, "U0MKT"), DAY, campaign_id="live", shipped="teaser v2", next_steps="coupons"
    )
    saved = standup.get_update(team, WS, "U0MKT", DAY)
    assert saved is not None and saved.shipped == "teaser v2" and saved.next_steps == "coupons"
    assert saved.campaign_name == "Double 11"
    standup.save_update(
        as_(team, "U0OPS"),
        DAY,
        resources_ready=["stock", "coupons"],
        resources_note="2 extra agents",
        blockers="CDN quota",
    )
    ops = standup.get_update(team, WS, "U0OPS", DAY)
    assert ops is not None and ops.resources_ready == ("coupons", "stock")
    assert ops.resources_missing == ("landing_pages", "support")
    # Operations does not report campaigns; the field is ignored, not stored.
    assert ops.campaign_id is None
    day = standup.standup_day(team, WS, DAY)
    assert [u.user_id for u in day.updates] == ["U0MKT", "U0OPS"]
    assert [m.user_id for m in day.missing] == ["U0QUIET"]
    assert [u.user_id for u in day.by_team("marketing")] == ["U0MKT"]
    assert [m.user_id for m in day.missing_in("operations")] == ["U0QUIET"]
    assert standup.standup_day(team, WS, date(2026, 11, 3)).updates == []


def test_bad_updates_say_what_to_change(team: Database) -> None:
    with pytest.raises(standup.StandupError, match="not in marketing or operations"):
        standup.save_update(as_(team, "U0NOBODY"), DAY, shipped="x")
    with pytest.raises(standup.StandupError, match='no campaign "nope"'):
        standup.save_update(as_(team, "U0MKT"), DAY, campaign_id="nope")
    with pytest.raises(standup.StandupError, match="which campaign"):
        standup.save_update(as_(team, "U0MKT"), DAY)
    with pytest.raises(standup.StandupError, match='unknown resource "ads"'):
        standup.save_update(as_(team, "U0OPS"), DAY, resources_ready=["ads"])
    with pytest.raises(standup.StandupError, match="under 2000"):
        standup.save_update(as_(team, "U0OPS"), DAY, blockers="x" * 2001)
    assert standup.standup_day(team, WS, DAY).updates == []


def test_closed_once_the_digest_is_posted(team: Database) -> None:
    standup.save_update(as_(team, "U0MKT"), DAY, shipped="teaser")
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    held = runs.claim(team, WS, "digest", DAY, "test", now)
    assert held is not None
    # Claimed but not yet out: still editable.
    standup.save_update(as_(team, "U0MKT"), DAY, shipped="teaser v2")
    runs.mark_posted(team, held, now, "C1", "1.0")
    with pytest.raises(standup.StandupError, match="has gone out"):
        standup.save_update(as_(team, "U0MKT"), DAY, shipped="too late")
    with pytest.raises(standup.StandupError, match="has gone out"):
        standup.form_for(as_(team, "U0MKT"), DAY)
    saved = standup.get_update(team, WS, "U0MKT", DAY)
    assert saved is not None and saved.shipped == "teaser v2"
    person, campaigns, existing = standup.form_for(as_(team, "U0MKT"), date(2026, 11, 3))
    assert person.team == "marketing" and campaigns and existing is None
