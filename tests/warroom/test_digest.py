"""The digest on the demo data: every section with real numbers, the planted alerts, the
stand-ups and who has not posted, "not loaded yet" instead of zeros, and Slack's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import delete, insert

from bot.cli import cli
from bot.core import blocks
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.facts import mark_stale
from bot.core.render import blocks_as_text
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.metrics.registry import find_metric
from bot.models import Channel, Order, Spend, User
from bot.warroom import alerts
from bot.warroom.compose import digest_payload
from bot.warroom.digest import NOT_LOADED, Cell, ChannelLine, Digest, build_digest
from bot.warroom.headlines import channel_headlines
from bot.warroom.render import digest_message
from bot.warroom.standup import StandupDay, Update, save_update
from bot.warroom.team import Member, add_member

WS = "default"
END = date(2026, 11, 30)
DIGEST_DAY = END + timedelta(days=1)
CLOCK = ManualClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=12)


def test_digest_on_demo_data(settings: Settings, db: Database) -> None:
    # A 60-day LTV horizon: the 90 days of data hold cohorts that reached it.
    settings = settings.model_copy(update={"ltv_horizon_days": 60})
    load_demo(db, users=8000, days=90, seed=7, end_date=END)
    add_member(db, WS, "U0MKT", "marketing")
    add_member(db, WS, "U0OPS", "operations")
    add_member(db, WS, "U0LATE", "marketing")
    ctx = Context(env=settings, db=db, clock=CLOCK)
    save_update(
        replace(ctx, actor="U0MKT"), DIGEST_DAY, shipped="teaser video", blockers="budget cap"
    )
    save_update(replace(ctx, actor="U0OPS"), DIGEST_DAY, resources_ready=["coupons"])
    alerts.evaluate(settings, db, WS, CLOCK)

    digest, message = digest_payload(ctx, DIGEST_DAY)
    assert digest.day == END and digest.retention_day == END - timedelta(days=1)
    keys = [line.key for line in digest.channels]
    assert set(keys) == {"baidu", "douyin", "organic", "tiktok", "wechat", "xiaohongshu"}
    assert keys[-1] == "organic"  # paid channels first
    baidu = next(line for line in digest.channels if line.key == "baidu")
    assert baidu.ltv_cac is not None and baidu.ltv_cac < 3
    assert baidu.cells["spend"].value and baidu.cells["spend"].average
    assert digest.total is not None and digest.total.cells["revenue"].value
    assert sum(cell.moved for line in digest.channels for cell in line.cells.values()) <= 3
    assert set(digest.trend) == {"revenue", "spend"} and len(digest.trend["revenue"]["baidu"]) == 14

    text = blocks_as_text(message)
    assert "War room · Tue 1 Dec 2026" in text
    # Cohort numbers are complete or projected, never a value so far beside a complete one.
    assert "百度 (paid) · LTV/CAC 30d projected 1.3x" in text
    assert "ROI projected 1:" in text and "so far" not in text.split("Open alerts")[0]
    assert baidu.ltv_cac_projected and baidu.cells["roi"].projected
    assert "no data" not in text.split("Open alerts")[0]
    # What moved most carries its drivers; so do the alerts.
    assert "D1 · Why: 小红书 2026 Q4 always-on −27.8 pp (lower)" in text
    assert "(-27.8 pp)" in text  # a percent number moves in points
    assert text.count("Why:") >= 5
    assert "Open alerts (3)" in text
    for planted in ("baidu", "wechat", "xiaohongshu"):
        assert f"· {planted} (since" in text
    assert "shipped: teaser video" in text and "blockers: budget cap" in text
    assert "ready: coupons" in text and "Not posted yet: @U0LATE" in text
    assert "Innovation fund" in text

    # The same through the command line.
    result = CliRunner().invoke(
        cli,
        ["digest", "--dry-run", "--date", str(DIGEST_DAY)],
        env={"DATABASE_URL": settings.database_url},
    )
    assert result.exit_code == 0, result.output
    assert "Open alerts (3)" in result.output and "百度" in result.output


def test_missing_orders_are_not_loaded_yet_not_zero(settings: Settings, db: Database) -> None:
    load_demo(db, users=1500, days=40, seed=3, end_date=END)
    with db.analytics.begin() as connection:
        connection.execute(delete(Order).where(Order.ordered_at >= datetime(2026, 11, 30)))
    with db.session() as session, session.begin():
        mark_stale(session, END, END, CLOCK.now())
    digest = build_digest(settings, db, WS, DIGEST_DAY, CLOCK)
    assert "orders" in digest.missing_tables()
    line = digest.channels[0]
    assert line.cells["revenue"] == Cell(None, None, NOT_LOADED)
    assert line.cells["spend"].value is not None
    text = blocks_as_text(digest_message(digest))
    assert "Not loaded yet for 30 Nov: orders" in text
    assert "Revenue not loaded yet" in text


def test_empty_database_says_so(settings: Settings, db: Database) -> None:
    digest = build_digest(settings, db, WS, DIGEST_DAY, CLOCK)
    text = blocks_as_text(digest_message(digest))
    assert "No growth data is loaded yet" in text
    assert "Open alerts: none" in text
    assert "Nobody is in marketing or operations yet" in text


def test_fits_slack_limits_with_many_channels_and_updates() -> None:
    metrics = {
        name: find_metric(name)
        for name in ("spend", "new_customers", "cac", "revenue", "roi", "retention")
    }
    cells = {name: Cell(1234.5, 1000.0) for name in metrics}
    channels = [ChannelLine(f"ch{i}", f"Channel {i}", "paid", cells, 3.2) for i in range(300)]
    people = [Member(f"U{i:05d}", "marketing", False, False) for i in range(400)]
    updates = [
        Update(f"U{i:05d}", "operations", DIGEST_DAY, shipped=None, blockers="x" * 2000)
        for i in range(200)
    ]
    digest = Digest(
        WS,
        DIGEST_DAY,
        END,
        END - timedelta(days=1),
        "CNY",
        channels=channels,
        total=channels[0],
        loaded={"spend": END, "users": END, "orders": END, "activity": END, "leads": END},
        standups=StandupDay(DIGEST_DAY, updates, people),
        metrics=metrics,  # type: ignore[arg-type]
    )
    message = digest_message(digest)
    assert len(message["blocks"]) <= blocks.MAX_MESSAGE_BLOCKS
    assert len(message["text"]) < 4000
    for block in message["blocks"]:
        if block["type"] == "section" and block.get("text"):
            assert len(block["text"]["text"]) <= blocks.MAX_SECTION_TEXT


def test_cli_digest_needs_a_mode(settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["digest"], env={"DATABASE_URL": settings.database_url})
    assert result.exit_code != 0 and "--dry-run" in result.output


def test_a_count_with_nothing_to_count_is_zero(settings: Settings, db: Database) -> None:
    """A paid channel with one new customer a day from 23 to 29 Nov and none on the 30th
    (only a repeat order): its new customers read 0 beside the 7-day average of 1."""
    with db.analytics.begin() as connection:
        connection.execute(
            insert(Channel),
            [
                {"key": "tiktok", "name": "TikTok", "kind": "paid"},
                {"key": "xhs", "name": "Xiaohongshu", "kind": "paid"},
            ],
        )
        days = [END - timedelta(days=back) for back in range(7, -1, -1)]
        spend = [{"date": d, "channel": "tiktok", "campaign_id": "", "amount": 100.0} for d in days]
        # xhs spends but brings no customer at all.
        spend.append({"date": END, "channel": "xhs", "campaign_id": "", "amount": 10.0})
        connection.execute(insert(Spend), spend)
        users = [{"id": f"u{d.day}", "signed_up_at": _at(d), "channel": "tiktok"} for d in days]
        connection.execute(insert(User), users[:-1])
        orders = [
            {"id": f"o{d.day}", "user_id": f"u{d.day}", "ordered_at": _at(d), "amount": 50.0}
            for d in days[:-1]
        ]
        again = {"id": "again", "user_id": "u23", "ordered_at": _at(END), "amount": 50.0}
        connection.execute(insert(Order), [*orders, again])
    digest = build_digest(settings, db, WS, DIGEST_DAY, CLOCK)
    tiktok = digest.channels[0]
    assert tiktok.cells["new_customers"].value == 0
    text = blocks_as_text(digest_message(digest))
    assert "New customers 0 (7d 1)" in text and "New customers no data" not in text
    # CAC over no new customers has no value (an empty denominator), and says so.
    assert "CAC no data (7d ¥100)" in text
    xhs = next(line for line in digest.channels if line.key == "xhs")
    assert xhs.cells["new_customers"] == Cell(0, 0.0)
    # App Home's table counts it 0 too.
    headlines = channel_headlines(Context(env=settings, db=db, clock=CLOCK))
    new = headlines.metrics.index(find_metric("new_customers"))  # type: ignore[arg-type]
    assert {row.key: row.values[new] for row in headlines.rows} == {"tiktok": 7, "xhs": 0}
