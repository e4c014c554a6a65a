"""Playbook alerts on the demo data: the three planted situations open their alert once, are
posted once, resolve (in the thread) when the data recovers; a synthetic spike is a surge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.core.clock import Clock, ManualClock, complete_weeks
from bot.core.context import Context
from bot.core.db import Database
from bot.core.facts import mark_stale
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.models import Activity, Channel, Order, User
from bot.warroom import alerts
from bot.warroom.render import alert_message
from jobs.alerts import alerts_job
from tests.fake_slack import FakeSlack
from tests.slack_requests import slack_settings

WS = "default"
END = date(2026, 11, 30)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# The 90 days of demo data hold cohorts that have reached a 60-day LTV horizon (none reach the
# default 180), so young cohorts' LTV/CAC is projected, as the rule judges it.
HORIZON = 60
PLANTED = {
    ("ltv_cac_low", "baidu"),
    ("retention_drop", "xiaohongshu"),
    ("roi_below_benchmark", "wechat"),
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def _surge(settings: Settings, db: Database, clock: Clock) -> list[alerts.Finding]:
    return alerts.evaluate_rule(alerts.RULES["traffic_surge"], settings, db, clock)


def _open(db: Database) -> set[tuple[str, str]]:
    return {(a.rule, a.subject) for a in alerts.open_alerts(db, WS)}


def _touch(db: Database, first: date, last: date) -> None:
    with db.session() as session, session.begin():
        mark_stale(session, first, last, NOW)


def _users(db: Database, channel: str, first: date, last: date) -> list[str]:
    with db.analytics.connect() as connection:
        return list(
            connection.execute(
                select(User.id).where(
                    User.channel == channel,
                    User.signed_up_at >= datetime.combine(first, datetime.min.time()),
                    User.signed_up_at
                    < datetime.combine(last + timedelta(days=1), datetime.min.time()),
                )
            ).scalars()
        )


def _add_orders(db: Database, channel: str, first: date, last: date, amount: float) -> None:
    """Better data arrives: a big order on the last day from each of the channel's sign-ups."""
    rows = [
        {
            "id": f"recovery-{channel}-{user}",
            "user_id": user,
            "ordered_at": datetime.combine(END, datetime.min.time()) + timedelta(hours=12),
            "amount": amount,
        }
        for user in _users(db, channel, first, last)
    ]
    with db.analytics.begin() as connection:
        connection.execute(insert(Order), rows)
    _touch(db, first, END)


def _add_next_day_activity(db: Database, channel: str, day: date) -> None:
    """Better data arrives: every sign-up of `day` came back the next day."""
    users = set(_users(db, channel, day, day))
    with db.analytics.connect() as connection:
        active = set(
            connection.execute(
                select(Activity.user_id).where(
                    Activity.date == day + timedelta(days=1), Activity.user_id.in_(users)
                )
            ).scalars()
        )
    rows = [{"user_id": u, "date": day + timedelta(days=1)} for u in sorted(users - active)]
    with db.analytics.begin() as connection:
        connection.execute(insert(Activity), rows)
    _touch(db, day, day + timedelta(days=1))


def _at(ctx: Context, moment: datetime) -> Context:
    """`ctx` with its ManualClock moved to `moment`."""
    ctx.clock.set(moment)  # type: ignore[attr-defined]
    return ctx


def test_planted_alerts_open_once_and_resolve_when_data_recovers(
    settings: Settings, db: Database, fake: FakeSlack
) -> None:
    load_demo(db, users=8000, days=90, seed=7, end_date=END)
    ctx = Context(
        env=slack_settings(settings, fake).model_copy(update={"ltv_horizon_days": HORIZON}),
        db=db,
        clock=ManualClock(NOW),
        workspace_id=WS,
    )

    changes = alerts_job(ctx)
    opened = {(c.alert.rule, c.alert.subject) for c in changes if c.kind == "opened"}
    assert opened == PLANTED
    assert _open(db) == PLANTED
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == 3
    by_subject = {p.params["text"].split("(")[-1].rstrip(")"): p for p in posts}
    baidu = by_subject["baidu"].text
    assert "Marketing" in baidu and "Operations" in baidu and "joint marketing-operations" in baidu
    assert "/metric ltv_cac channel=baidu" in baidu
    # The message reports the projection, not the value so far, and what moved it.
    assert "projected at 60 days" in baidu and "Why:" in baidu
    assert "Why:" in by_subject["wechat"].text and "Why:" in by_subject["xiaohongshu"].text
    assert (
        "Operations" in by_subject["wechat"].text
        and "alternative-plan" in by_subject["wechat"].text
    )
    assert "adjust content" in by_subject["xiaohongshu"].text
    stored = {(a.rule, a.subject): a for a in alerts.open_alerts(db, WS)}
    assert stored[("ltv_cac_low", "baidu")].opened_ts == by_subject["baidu"].response["ts"]

    # Evaluated again (every hour): still open, nothing re-posted.
    assert alerts_job(_at(ctx, NOW + timedelta(hours=1))) == []
    assert len(fake.calls_to("chat.postMessage")) == 3

    # Better data arrives for each planted channel.
    _add_orders(db, "baidu", END - timedelta(days=29), END, 3000.0)
    _add_orders(db, "wechat", END - timedelta(days=14), END, 3000.0)
    _add_next_day_activity(db, "xiaohongshu", END - timedelta(days=1))
    changes = alerts_job(_at(ctx, NOW + timedelta(hours=2)))
    resolved = {(c.alert.rule, c.alert.subject) for c in changes if c.kind == "resolved"}
    assert resolved == PLANTED
    assert _open(db) == set()
    replies = fake.calls_to("chat.postMessage", lambda c: bool(c.params.get("thread_ts")))
    assert len(replies) == 3
    opened_ts = {p.response["ts"] for p in posts}
    assert {r.params["thread_ts"] for r in replies} == opened_ts
    assert all("Resolved" in r.text for r in replies)
    assert alerts_job(_at(ctx, NOW + timedelta(hours=3))) == []
    assert len(fake.calls_to("chat.postMessage")) == 6


def test_surge_fires_on_a_synthetic_spike(settings: Settings, db: Database) -> None:
    with db.analytics.begin() as connection:
        connection.execute(insert(Channel).values(key="tiktok", name="TikTok", kind="paid"))
        rows = []
        # Ten sign-ups at 14:xx on each of the seven days before, then 40 in the last hour.
        for back in range(1, 8):
            day = datetime(2026, 12, 1, 14, 0) - timedelta(days=back)
            rows += [
                {
                    "id": f"u{back}-{i}",
                    "signed_up_at": day + timedelta(minutes=i),
                    "channel": "tiktok",
                }
                for i in range(10)
            ]
        rows += [
            {"id": f"spike-{i}", "signed_up_at": datetime(2026, 12, 1, 14, i), "channel": "tiktok"}
            for i in range(40)
        ]
        connection.execute(insert(User), rows)
    clock = ManualClock(datetime(2026, 12, 1, 15, 5, tzinfo=UTC))
    findings = _surge(settings, db, clock)
    assert len(findings) == 1 and findings[0].firing
    assert findings[0].details["count"] == 40 and findings[0].details["mean"] == 10
    # What drove it: tiktok's 40 sign-ups against its usual 10.
    (driver,) = findings[0].details["drivers"]
    assert (driver["by"], driver["key"], driver["effect"]) == ("channel", "tiktok", 30.0)
    changes = alerts.apply_findings(db, WS, findings, clock.now())
    assert [c.kind for c in changes] == ["opened"]
    text = str(alert_message(changes[0].alert, "opened"))
    for level in ("Level 1", "Level 2", "Level 3"):
        assert level in text
    assert "Why:* tiktok +30" in text
    # The next hour is normal: the surge resolves.
    with db.analytics.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "id": f"calm-{i}",
                    "signed_up_at": datetime(2026, 12, 1, 15, i),
                    "channel": "tiktok",
                }
                for i in range(8)
            ],
        )
    clock.set(datetime(2026, 12, 1, 16, 5, tzinfo=UTC))
    later = _surge(settings, db, clock)
    assert not later[0].firing
    assert [c.kind for c in alerts.apply_findings(db, WS, later, clock.now())] == ["resolved"]


def test_a_small_hour_is_not_a_surge(settings: Settings, db: Database) -> None:
    with db.analytics.begin() as connection:
        connection.execute(insert(Channel).values(key="tiktok", name="TikTok", kind="paid"))
        connection.execute(
            insert(User),
            [
                {"id": f"s{i}", "signed_up_at": datetime(2026, 12, 1, 14, i), "channel": "tiktok"}
                for i in range(5)
            ]
            + [{"id": "old", "signed_up_at": datetime(2026, 11, 30, 14, 0), "channel": "tiktok"}],
        )
    findings = _surge(settings, db, ManualClock(datetime(2026, 12, 1, 15, 5, tzinfo=UTC)))
    assert not findings[0].firing  # 5 sign-ups is 35x the average, but below the noise floor


def test_no_data_no_findings(settings: Settings, db: Database) -> None:
    assert alerts.evaluate_rules(settings, db, ManualClock(NOW)) == []
    assert alerts.evaluate(settings, db, WS, ManualClock(NOW)) == []


def test_complete_weeks() -> None:
    """The weeks the ROI rule looks at: complete Monday-to-Sunday weeks, oldest first."""
    assert complete_weeks(date(2026, 11, 30), 2) == [  # a Monday
        (date(2026, 11, 16), date(2026, 11, 22)),
        (date(2026, 11, 23), date(2026, 11, 29)),
    ]
    assert complete_weeks(date(2026, 11, 29), 1)[0][1] == date(2026, 11, 29)  # a Sunday
