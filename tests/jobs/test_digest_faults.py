"""Exactly one digest, whatever happens: the process killed with SIGKILL at each step of a send,
and Slack answering 500, 429 with Retry-After, a time-out, or a 500 (or time-out) after it took
the call, at each step. A fresh run recovers each time; the fake Slack's own record of the
messages it took is the judge.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)
from sqlalchemy import insert

from bot.core import checkpoints, runs
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics.rollups import refresh
from bot.models import Channel, Order, Spend, User
from bot.slack.client import make_client
from jobs.digest import Outcome, send_digest
from tests.fake_slack import FakeSlack
from tests.slack_requests import slack_settings

WS = "default"
FIRST_DAY = date(2026, 11, 2)
# Digests of days from here on have no data in their 14 days, so no chart (drawing one costs
# time, and only the chart steps need it).
PLAIN_DAY = FIRST_DAY + timedelta(days=60)
NOW = datetime(2026, 11, 2, 9, 31, tzinfo=UTC)
# The client gives up on an unanswered call after this (the "time-out" faults).
CLIENT_TIMEOUT = 0.3
DEADLINE = 30.0


def _noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=12)


def load_trend_data(db: Database, settings: Settings, clock: ManualClock) -> None:
    """Daily spend and orders on one channel around the test days, so each digest has a chart."""
    days = [FIRST_DAY - timedelta(days=n) for n in range(-3, 20)]
    with db.analytics.begin() as connection:
        connection.execute(
            insert(Channel),
            [{"key": "tiktok", "name": "TikTok", "kind": "paid", "roi_benchmark": 2.0}],
        )
        connection.execute(
            insert(Spend),
            [{"date": d, "channel": "tiktok", "campaign_id": "", "amount": 100} for d in days],
        )
        connection.execute(
            insert(User),
            [
                {"id": f"u{n}", "signed_up_at": _noon(d) - timedelta(hours=12), "channel": "tiktok"}
                for n, d in enumerate(days)
            ],
        )
        connection.execute(
            insert(Order),
            [
                {"id": f"o{n}", "user_id": f"u{n}", "amount": 50, "ordered_at": _noon(d)}
                for n, d in enumerate(days)
            ],
        )
    refresh(settings, db, clock, full=True)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def ctx(settings: Settings, db: Database, fake: FakeSlack) -> Context:
    clock = ManualClock(NOW)
    load_trend_data(db, settings, clock)
    return Context(env=slack_settings(settings, fake), db=db, clock=clock)


class _PromptRateLimitHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after exactly its Retry-After (slack_sdk adds up to a second)."""

    def prepare_for_next_attempt(self, *, state: Any, request: Any, **answer: Any) -> None:
        response = answer.get("response")
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        state.next_attempt_requested = True
        time.sleep(float((headers.get("retry-after") or ["0"])[0]))
        state.increment_current_attempt()


def fast_client(settings: Settings) -> WebClient:
    """The bot's client (its retry policy: which answers are retried for which methods), with
    a short time-out and short pauses between the retries it makes."""
    client = make_client(settings)
    client.timeout = CLIENT_TIMEOUT
    for n, handler in enumerate(client.retry_handlers):
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
        if type(handler) is RateLimitErrorRetryHandler:
            client.retry_handlers[n] = _PromptRateLimitHandler(handler.max_retry_count)
    return client


def digests(fake: FakeSlack, day: date) -> list[dict[str, Any]]:
    """The digests of `day` Slack took, whatever it answered."""
    return fake.posts(
        lambda m: (
            (m.get("metadata") or {}).get("event_type") == "warroom_digest"
            and m["metadata"]["event_payload"].get("date") == day.isoformat()
        )
    )


def charts(fake: FakeSlack, day: date) -> list[dict[str, Any]]:
    """The charts of `day` shared in a thread."""
    name = f"war-room-{day.isoformat()}.png"
    return fake.posts(lambda m: any(f.get("name") == name for f in m.get("files") or []))


def settle(ctx: Context, client: WebClient, day: date, rounds: int = 5) -> runs.RunInfo:
    """Run the send as the watchdog would (a fresh run each time, after the pause a failed or
    abandoned run waits) until the run is posted or uncertain."""
    clock: ManualClock = ctx.clock  # type: ignore[assignment]
    for _ in range(rounds):
        send_digest(ctx.for_workspace(WS), clock.now(), day=day, client=client)
        info = runs.run_info(ctx.db, WS, "digest", day)
        if info is not None and info.state in ("posted", "uncertain"):
            return info
        clock.advance(runs.STALE_AFTER + timedelta(minutes=1))
    raise AssertionError(f"the digest of {day} did not settle: {info}")


def assert_one_digest(ctx: Context, fake: FakeSlack, day: date, why: str) -> None:
    info = runs.run_info(ctx.db, WS, "digest", day)
    found = digests(fake, day)
    assert len(found) == 1, f"{why}: {len(found)} digests"
    assert info is not None and info.state == "posted", f"{why}: {info}"
    assert (info.channel, info.message_ts) == (found[0]["channel"], found[0]["ts"]), why
    assert len(charts(fake, day)) <= 1, why


# --------------------------------------------------------------------------- Slack faults

# Where a send meets Slack. A first attempt posts, then shares the chart in the thread; a run
# taken over from a process that died after Slack took its post looks the post up and
# updates it. (The reads around them, getUploadURLExternal and conversations.list, are
# retried like conversations.history.)
CHART = ("files.completeUploadExternal",)
RECOVERY = ("conversations.history", "chat.update")
STEPS = ("chat.postMessage", *CHART, *RECOVERY)
FAULTS = ("500", "429", "timeout", "taken_500", "taken_timeout")


def _died_after_slack_took_the_post(ctx: Context, client: WebClient, day: date) -> None:
    """A run claimed and posted by a process that died before recording the message."""
    dead = runs.claim(ctx.db, WS, "digest", day, "dead:1", ctx.clock.now())
    assert dead is not None
    runs.mark_sending(ctx.db, dead, ctx.clock.now())
    payload = {"workspace": WS, "date": day.isoformat()}
    client.chat_postMessage(
        channel="#war-room",
        text="the dead process's digest",
        metadata={"event_type": "warroom_digest", "event_payload": payload},
    )
    ctx.clock.advance(runs.STALE_AFTER + timedelta(minutes=1))  # type: ignore[attr-defined]


@pytest.mark.parametrize("fault", FAULTS)
def test_slack_fault_at_each_step_gives_one_digest(
    ctx: Context, fake: FakeSlack, fault: str
) -> None:
    client = fast_client(ctx.env)
    for n, method in enumerate(STEPS):
        day = (FIRST_DAY if method in CHART else PLAIN_DAY) + timedelta(days=n)
        if method in RECOVERY:
            _died_after_slack_took_the_post(ctx, client, day)
        fake.fault_next(method, fault)
        settle(ctx, client, day)
        assert_one_digest(ctx, fake, day, f"{fault} on {method}")
        assert not fake._failures.get(method), f"{method} was never called"
        if method == "chat.postMessage" and fault.startswith("taken_"):
            # Slack took it: found by its metadata and updated, never posted again.
            assert len(fake.calls_to("conversations.history")) >= 1


def test_a_lost_answer_without_history_leaves_the_run_uncertain_and_posts_nothing(
    ctx: Context, fake: FakeSlack
) -> None:
    from bot.warroom.team import add_member

    add_member(ctx.db, WS, "U0ADMIN", "operations", admin=True)
    client = fast_client(ctx.env)
    fake.fault_next("chat.postMessage", "taken_500")
    fake.error_next("conversations.history", "missing_scope", times=100)
    outcome = send_digest(ctx, ctx.clock.now(), day=FIRST_DAY, client=client)
    assert outcome.status == "uncertain" and "--force" in outcome.message
    info = runs.run_info(ctx.db, WS, "digest", FIRST_DAY)
    assert info is not None and info.state == "uncertain" and "missing_scope" in (info.error or "")
    # Every later run (the watchdog, a person's `digest now`) posts nothing and tells nobody.
    for hours in (1, 2, 5):
        later = ctx.clock.now() + timedelta(hours=hours)
        again = send_digest(ctx, later, day=FIRST_DAY, client=client, manual=True)
        assert again.status == "uncertain" and "--force" in again.message
    assert len(digests(fake, FIRST_DAY)) == 1
    notes = fake.posts(lambda m: (m.get("metadata") or {}).get("event_type") == "warroom_note")
    assert len(notes) == 1 and notes[0]["channel"] == "D0ADMIN"
    assert "may have been posted" in notes[0]["text"] and "--force" in notes[0]["text"]


def test_force_resolves_an_uncertain_run(ctx: Context, fake: FakeSlack) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    client = fast_client(ctx.env)
    fake.fault_next("chat.postMessage", "500")  # refused, but nobody can tell
    fake.error_next("conversations.history", "missing_scope")
    assert send_digest(ctx, ctx.clock.now(), day=FIRST_DAY, client=client).status == "uncertain"
    assert digests(fake, FIRST_DAY) == []
    env = {
        "DATABASE_URL": ctx.env.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake.url,
        "TIMEZONE": "UTC",
    }
    args = ["digest", "--send", "--date", FIRST_DAY.isoformat()]
    refused = CliRunner().invoke(cli, args, env=env)
    assert refused.exit_code == 1 and "--force" in refused.output
    forced = CliRunner().invoke(cli, [*args, "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert len(digests(fake, FIRST_DAY)) == 1
    info = runs.run_info(ctx.db, WS, "digest", FIRST_DAY)
    assert info is not None and info.state == "posted"


# --------------------------------------------------------------------------- kill -9


def _worker(settings: Settings, day: date, stop_at: str | None, ready: Any) -> None:
    """A digest send in a forked process; at the checkpoint `stop_at` it says so and waits
    to be killed."""

    def hook(name: str) -> None:
        if name == stop_at:
            ready.send(name)
            threading.Event().wait()

    checkpoints.set_hook(hook)
    db = Database.from_settings(settings)
    ctx = Context(env=settings, db=db, clock=ManualClock(NOW))
    outcome: Outcome = send_digest(ctx, NOW, day=day, client=fast_client(settings))
    ready.send(f"finished: {outcome.status}")


# (name, checkpoint to stop at, or Slack method to hold: (method, taken before the hold))
KILL_POINTS: dict[str, tuple[str | None, tuple[str, bool] | None]] = {
    "before the claim": ("digest:before-claim", None),
    "after the claim": ("digest:claimed", None),
    "during the post, not taken yet": (None, ("chat.postMessage", False)),
    "during the post, taken": (None, ("chat.postMessage", True)),
    "after the post, before its ts is stored": ("digest:posted", None),
    "during the chart upload, not taken yet": (None, ("files.completeUploadExternal", False)),
    "during the chart upload, taken": (None, ("files.completeUploadExternal", True)),
}


def _kill_when(
    process: multiprocessing.process.BaseProcess, arrived: Callable[[float], bool]
) -> None:
    if not arrived(DEADLINE):
        process.kill()
        raise AssertionError("the worker never reached the point to be killed at")
    os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
    process.join(DEADLINE)
    assert process.exitcode == -signal.SIGKILL


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_at_each_step_then_recovered_gives_one_digest(
    ctx: Context, fake: FakeSlack, point: str
) -> None:
    stop_at, hold = KILL_POINTS[point]
    chart = "chart" in point
    day = FIRST_DAY if chart else PLAIN_DAY
    gate = fake.block_next(hold[0], take=hold[1], answer=False) if hold else None
    ours, theirs = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(
        target=_worker, args=(ctx.env, day, stop_at, theirs), daemon=True
    )
    process.start()
    if gate is not None:
        _kill_when(process, gate.arrived.wait)
        gate.release()  # the held call is dropped: nothing more reaches the fake
    else:
        _kill_when(process, ours.poll)
        assert ours.recv() == stop_at
    # A fresh process (this one) comes up later and runs the send again.
    ctx.clock.advance(runs.STALE_AFTER + timedelta(minutes=1))  # type: ignore[attr-defined]
    settle(ctx, fast_client(ctx.env), day)
    assert_one_digest(ctx, fake, day, f"killed {point}")
    assert len(charts(fake, day)) == int(chart), point


@pytest.mark.parametrize("mode", ["channel", "dm"])
def test_a_standup_prompt_slack_took_despite_a_500_goes_out_once(
    ctx: Context, fake: FakeSlack, mode: str
) -> None:
    from bot.core.workspace import save_settings
    from bot.warroom.team import add_member
    from jobs.standup import METADATA_EVENT, send_prompts

    add_member(ctx.db, WS, "U0MKT", "marketing")
    save_settings(ctx.db, ctx.env, WS, {"standup_mode": mode})
    fake.fault_next("chat.postMessage", "taken_500")
    client = fast_client(ctx.env)
    outcome = send_prompts(ctx.for_workspace(WS), ctx.clock.now(), day=FIRST_DAY, client=client)
    assert outcome.status == "posted", outcome.message
    assert send_prompts(ctx.for_workspace(WS), ctx.clock.now(), day=FIRST_DAY).status == "skipped"
    prompts = fake.posts(lambda m: (m.get("metadata") or {}).get("event_type") == METADATA_EVENT)
    assert len(prompts) == 1
    assert prompts[0]["channel"] == ("C0WARROOM" if mode == "channel" else "D0MKT")
