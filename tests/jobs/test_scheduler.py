"""The scheduler posts each digest exactly once: claims, take-overs after a crash, a missed
start, DST, Slack failures, and several threads and processes racing for the same run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core import runs
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.core.workspace import save_settings
from bot.warroom.team import add_member
from jobs import digest as digest_jobs
from jobs.scheduler import Plan, WarRoomScheduler
from tests.conftest import PG_URL
from tests.fake_slack import FakeSlack
from tests.slack_requests import slack_settings

WS = "default"
# Monday 2 November 2026, 09:30 in Shanghai (UTC+8, no DST) is 01:30 UTC.
DAY = date(2026, 11, 2)
DIGEST_AT = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def ctx(settings: Settings, db: Database, fake: FakeSlack) -> Context:
    connected = slack_settings(settings, fake, timezone="Asia/Shanghai")
    return Context(env=connected, db=db, clock=ManualClock(DIGEST_AT + timedelta(minutes=1)))


def digest_posts(fake: FakeSlack) -> list[Any]:
    """The digest messages Slack took (not admin notes or alerts), whatever it answered."""
    return fake.posts(lambda m: (m.get("metadata") or {}).get("event_type") == "warroom_digest")


# --------------------------------------------------------------------------- claims


def test_claim_once_then_nobody(db: Database) -> None:
    now = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    first = runs.claim(db, WS, "digest", DAY, "a", now)
    assert first is not None and first.attempts == 1 and not first.is_retry
    assert runs.claim(db, WS, "digest", DAY, "b", now) is None
    assert runs.claim(db, WS, "digest", DAY + timedelta(days=1), "b", now) is not None
    assert runs.claim(db, "T0OTHER", "digest", DAY, "b", now) is not None
    assert runs.mark_posted(db, first, now, "C1", "1.1")
    # Posted is final, even for a person asking by hand.
    assert runs.claim(db, WS, "digest", DAY, "b", now + timedelta(days=1), manual=True) is None
    info = runs.run_info(db, WS, "digest", DAY)
    assert info is not None
    assert (info.state, info.message_ts, info.channel) == ("posted", "1.1", "C1")


def test_stale_claim_is_taken_over_once(db: Database) -> None:
    now = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    dead = runs.claim(db, WS, "digest", DAY, "dead", now)
    assert dead is not None
    assert runs.record_message(db, dead, "C1", "1.5")
    assert runs.claim(db, WS, "digest", DAY, "b", now + runs.STALE_AFTER / 2) is None
    later = now + runs.STALE_AFTER + timedelta(seconds=1)
    taken = runs.claim(db, WS, "digest", DAY, "b", later)
    assert taken is not None and taken.attempts == 2 and taken.is_retry
    assert (taken.channel, taken.message_ts) == ("C1", "1.5")
    assert runs.claim(db, WS, "digest", DAY, "c", later) is None
    # The dead process waking up can neither post nor finish a run that is no longer its own.
    with pytest.raises(runs.TakenOver):
        runs.mark_sending(db, dead, later)
    assert not runs.mark_posted(db, dead, later)
    assert runs.mark_posted(db, taken, later)


def test_failed_run_backs_off_then_retries_and_gives_up(db: Database) -> None:
    now = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    held = runs.claim(db, WS, "digest", DAY, "a", now)
    assert held is not None
    for attempt in range(1, runs.MAX_ATTEMPTS):
        assert runs.mark_failed(db, held, now, "fatal_error")
        assert runs.claim(db, WS, "digest", DAY, "a", now + timedelta(seconds=1)) is None
        now += runs.backoff(attempt)
        again = runs.claim(db, WS, "digest", DAY, "a", now)
        assert again is not None and again.attempts == attempt + 1
        held = again
    assert runs.mark_failed(db, held, now, "fatal_error")
    assert runs.claim(db, WS, "digest", DAY, "a", now + timedelta(days=1)) is None
    assert runs.claim(db, WS, "digest", DAY, "a", now, manual=True) is not None


def test_backoff_grows_and_is_capped() -> None:
    assert runs.backoff(1) == timedelta(minutes=1)
    assert runs.backoff(2) == timedelta(minutes=2)
    assert runs.backoff(3) == timedelta(minutes=4)
    assert runs.backoff(20) == runs.MAX_BACKOFF


# --------------------------------------------------------------------------- sending


def test_digest_posts_once_with_chart_in_thread(ctx: Context, fake: FakeSlack) -> None:
    first = digest_jobs.digest_job(ctx, ctx.clock.now())
    assert first.status == "posted", first.message
    again = digest_jobs.digest_job(ctx, ctx.clock.now())
    assert again.status == "skipped"
    manual = digest_jobs.send_digest(ctx, ctx.clock.now(), manual=True)
    assert manual.status == "skipped" and "went out already" in manual.message
    posts = digest_posts(fake)
    assert len(posts) == 1
    assert posts[0]["channel"] == "C0WARROOM"
    assert "No growth data is loaded yet" in json.dumps(posts[0]["blocks"])
    info = runs.run_info(ctx.db, WS, "digest", DAY)
    assert info is not None and info.state == "posted"
    assert info.message_ts == posts[0]["ts"] and info.channel == "C0WARROOM"


def test_restart_after_post_before_record_updates_instead(ctx: Context, fake: FakeSlack) -> None:
    # A process claimed the run, Slack took the post, and the process died before recording.
    now = ctx.clock.now()
    dead = runs.claim(ctx.db, WS, "digest", DAY, "dead:1", now)
    assert dead is not None
    runs.mark_sending(ctx.db, dead, now)
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=fake.url)
    client.chat_postMessage(
        channel="#war-room",
        text="half-done",
        metadata={
            "event_type": "warroom_digest",
            "event_payload": {"workspace": WS, "date": str(DAY)},
        },
    )
    # A fresh claim is not taken over ...
    assert digest_jobs.digest_job(ctx, now).status == "skipped"
    # ... a stale one is, and the message is found and updated rather than posted again.
    ctx.clock.advance(runs.STALE_AFTER + timedelta(minutes=1))  # type: ignore[attr-defined]
    outcome = digest_jobs.digest_job(ctx, ctx.clock.now())
    assert outcome.status == "posted", outcome.message
    assert len(digest_posts(fake)) == 1
    updates = fake.calls_to("chat.update")
    assert len(updates) == 1 and updates[0].params["ts"] == digest_posts(fake)[0]["ts"]
    assert "War room" in updates[0].text and "War room" in digest_posts(fake)[0]["text"]


def test_restart_after_recorded_ts_updates_by_ts(ctx: Context, fake: FakeSlack) -> None:
    from slack_sdk import WebClient

    now = ctx.clock.now()
    dead = runs.claim(ctx.db, WS, "digest", DAY, "dead:2", now)
    posted = WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(
        channel="C0WARROOM", text="half-done"
    )
    assert dead is not None and runs.record_message(ctx.db, dead, "C0WARROOM", posted["ts"])
    ctx.clock.advance(runs.STALE_AFTER + timedelta(minutes=1))  # type: ignore[attr-defined]
    outcome = digest_jobs.digest_job(ctx, ctx.clock.now())
    assert outcome.status == "posted"
    assert digest_posts(fake) == [] and len(fake.calls_to("chat.postMessage")) == 1
    assert [c.params["ts"] for c in fake.calls_to("chat.update")] == [posted["ts"]]


def test_missed_start_posts_once_within_grace(ctx: Context, fake: FakeSlack) -> None:
    clock: ManualClock = ctx.clock  # type: ignore[assignment]
    clock.set(DIGEST_AT - timedelta(minutes=1))
    scheduler = WarRoomScheduler(ctx)
    scheduler.watchdog()
    assert digest_posts(fake) == []
    # The bot comes up at 11:45 local, 2h15 after the digest time: it catches up once.
    clock.set(DIGEST_AT + timedelta(hours=2, minutes=15))
    scheduler.watchdog()
    scheduler.watchdog()
    assert len(digest_posts(fake)) == 1
    # The next day the bot starts after the grace: nothing is posted late.
    clock.set(DIGEST_AT + timedelta(days=1, hours=3, minutes=1))
    scheduler.watchdog()
    assert len(digest_posts(fake)) == 1
    assert runs.run_info(ctx.db, WS, "digest", DAY + timedelta(days=1)) is None


def test_weekends_skipped_unless_every_day(ctx: Context, fake: FakeSlack) -> None:
    saturday = DIGEST_AT + timedelta(days=5, minutes=5)
    assert digest_jobs.digest_job(ctx, saturday).status == "skipped"
    save_settings(ctx.db, ctx.env, WS, {"digest_weekdays_only": False})
    # A Context reads the workspace's settings once; each run gets a fresh one.
    assert digest_jobs.digest_job(ctx.for_workspace(WS), saturday).status == "posted"
    assert len(digest_posts(fake)) == 1


def test_plan_follows_settings_and_dst(ctx: Context, db: Database) -> None:
    scheduler = WarRoomScheduler(ctx)
    plan = scheduler.plan(WS)
    assert plan == Plan("Asia/Shanghai", "09:30", "09:00", True, 3.0)
    after = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)  # Friday
    job = scheduler.scheduler.get_job(f"digest:{WS}")
    assert job.trigger.get_next_fire_time(None, after) == datetime(
        2026, 11, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    # New York leaves DST on Sunday 1 November 2026: 09:30 stays 09:30 local, 13:30 -> 14:30 UTC.
    save_settings(
        db,
        ctx.env,
        WS,
        {"timezone": "America/New_York", "digest_weekdays_only": False, "digest_time": "09:30"},
    )
    scheduler.plan_all()
    trigger = scheduler.scheduler.get_job(f"digest:{WS}").trigger
    saturday = trigger.get_next_fire_time(None, datetime(2026, 10, 31, 0, 0, tzinfo=UTC))
    sunday = trigger.get_next_fire_time(None, saturday + timedelta(minutes=1))
    assert saturday.astimezone(UTC) == datetime(2026, 10, 31, 13, 30, tzinfo=UTC)
    assert sunday.astimezone(UTC) == datetime(2026, 11, 1, 14, 30, tzinfo=UTC)
    # The due check agrees with the trigger on both sides of the change.
    ny = ctx.env.model_copy(update={"timezone": "America/New_York", "digest_weekdays_only": False})
    assert digest_jobs.due_day(ny, datetime(2026, 11, 1, 13, 45, tzinfo=UTC), "09:30") is None
    assert digest_jobs.due_day(ny, datetime(2026, 11, 1, 14, 45, tzinfo=UTC), "09:30") == date(
        2026, 11, 1
    )
    assert digest_jobs.due_day(ny, datetime(2026, 10, 31, 13, 45, tzinfo=UTC), "09:30") == date(
        2026, 10, 31
    )


def test_slack_429_is_retried_at_once_and_500_after_a_look_and_a_pause(
    ctx: Context, fake: FakeSlack
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    fake.fail_next("chat.postMessage", status=500)
    outcome = digest_jobs.digest_job(ctx, ctx.clock.now())
    # The 429 was refused, so it is tried again at once; after the 500 nobody knows whether
    # Slack took it: the history says it did not, and the run is retried after its backoff.
    assert outcome.status == "failed" and "retried" in outcome.message
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 500]
    assert len(fake.calls_to("conversations.history")) == 1
    assert digest_posts(fake) == []
    ctx.clock.advance(runs.backoff(1))  # type: ignore[attr-defined]
    outcome = digest_jobs.digest_job(ctx.for_workspace(WS), ctx.clock.now())
    assert outcome.status == "posted", outcome.message
    assert len(digest_posts(fake)) == 1


def test_bot_not_in_channel_tells_admin_and_does_not_loop(ctx: Context, fake: FakeSlack) -> None:
    add_member(ctx.db, WS, "U0ADMIN", "operations", admin=True)
    fake.error_next("chat.postMessage", "not_in_channel")
    outcome = digest_jobs.digest_job(ctx, ctx.clock.now())
    assert outcome.status == "failed" and "/invite" in outcome.message
    notes = fake.calls_to("chat.postMessage", lambda c: c.params.get("channel") == "U0ADMIN")
    assert len(notes) == 1 and "not in #war-room" in notes[0].text
    info = runs.run_info(ctx.db, WS, "digest", DAY)
    assert info is not None and info.state == "failed" and info.error == "not_in_channel"
    # The watchdog comes back every few minutes: no retry storm, no more notes.
    for minutes in (5, 10, 60, 120):
        later = ctx.clock.now() + timedelta(minutes=minutes)
        assert digest_jobs.digest_job(ctx, later).status == "skipped"
    assert len(fake.calls_to("chat.postMessage")) == 2
    # Once the bot is invited, an admin's `digest now` posts it.
    retry = digest_jobs.send_digest(ctx, ctx.clock.now(), manual=True)
    assert retry.status == "posted"
    assert len(digest_posts(fake)) == 1


def test_threads_racing_post_once(ctx: Context, fake: FakeSlack) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def run(name: str) -> None:
        barrier.wait(timeout=10)
        outcome = digest_jobs.send_digest(ctx, ctx.clock.now(), worker=name)
        outcomes.append(outcome.status)

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["posted", "skipped", "skipped", "skipped"]
    assert len(digest_posts(fake)) == 1


# --------------------------------------------------------------------------- processes

PROCESS = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from bot.core.clock import ManualClock
    from bot.core.db import Database
    from bot.core.context import Context
    from bot.core.settings import Settings
    from jobs.digest import digest_job

    settings = Settings(_env_file=None)
    # The barrier: say we are up, then wait for the word that every process is.
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit("no start signal")
    now = datetime.fromisoformat(sys.argv[1])
    for workspace in sys.argv[2:]:
        ctx = Context(env=settings, db=Database.from_settings(settings), clock=ManualClock(now),
                      workspace_id=workspace)
        print(workspace, digest_job(ctx, now).status, flush=True)
    """
)


@pytest.mark.skipif(not PG_URL, reason="the three-process test needs TEST_DATABASE_URL")
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_three_processes_post_one_digest_per_workspace(
    settings: Settings, db: Database, fake: FakeSlack
) -> None:
    connected = slack_settings(settings, fake, timezone="Asia/Shanghai")
    env = {
        **os.environ,
        "DATABASE_URL": connected.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake.url,
        "TIMEZONE": "Asia/Shanghai",
        "PYTHONPATH": str(ROOT),
    }
    now = (DIGEST_AT + timedelta(minutes=1)).isoformat()
    # "default" and a second workspace id: both use the one bot token (single mode).
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, now, WS, "T0SECOND"],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()  # type: ignore[union-attr]
    for worker in workers:
        worker.stdin.write("go\n")  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
    results = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
    lines = sorted(line for out, _ in results for line in out.split("\n") if line)
    assert lines.count(f"{WS} posted") == 1 and lines.count("T0SECOND posted") == 1, lines
    posts = digest_posts(fake)
    assert sorted(p["metadata"]["event_payload"]["workspace"] for p in posts) == [
        "T0SECOND",
        WS,
    ]
    for workspace in (WS, "T0SECOND"):
        info = runs.run_info(db, workspace, "digest", DAY)
        assert info is not None and info.state == "posted" and info.attempts == 1


def test_started_scheduler_catches_up_in_the_background(ctx: Context, fake: FakeSlack) -> None:
    scheduler = WarRoomScheduler(ctx)
    scheduler.start()
    try:
        # The watchdog runs at start-up: the missed digest goes out without waiting a period.
        fake.wait_for(
            "chat.postMessage",
            timeout=20,
            where=lambda c: (c.params.get("metadata") or {}).get("event_type") == "warroom_digest",
        )
        assert scheduler.next_run(f"digest:{WS}") is not None
        assert scheduler.scheduler.get_job("rollups") is not None
    finally:
        scheduler.shutdown()
    assert len(digest_posts(fake)) == 1
