"""Messages that must go out once, whatever the network says (bot.core.posting and
bot.core.outbox): a post Slack took but answered 500 for, or that timed out, is found by its
metadata and never posted again; one Slack refused is not there; a lookup that is impossible
posts nothing. Then the users of it: alerts (including one reserved by a process that died),
the proposal's fund-channel message, the submitter's DM, and updates that converge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)

from bot import fund
from bot.core import outbox
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.posting import Tag, Uncertain, find_message, post_once
from bot.core.runs import TakenOver
from bot.core.settings import Settings
from bot.fund import notify
from bot.slack.client import make_client
from bot.warroom import alerts
from jobs.alerts import post_alerts
from tests.fake_slack import FakeSlack
from tests.fund.fund_helpers import ADMIN, MKT1, OPS1, SUBMITTER, WS, YEAR, make_team
from tests.slack.test_idempotent_requests import _flat, proposal_values
from tests.slack_requests import slack_settings

TAG = Tag("warroom_test", {"workspace": WS, "what": "hello"})
MESSAGE = {"text": "hello"}
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_api_url=fake.url)
    made = make_client(settings)
    made.timeout = 0.3
    for handler in made.retry_handlers:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
    return made


def tagged(fake: FakeSlack, tag: Tag = TAG) -> list[dict[str, Any]]:
    """The messages carrying `tag` that Slack took."""
    return fake.posts(tag.names)


# --------------------------------------------------------------------------- post_once


@pytest.mark.parametrize("fault", ["taken_500", "taken_timeout", "taken_drop"])
def test_a_post_slack_took_despite_the_error_is_found_not_posted_again(
    fake: FakeSlack, client: WebClient, fault: str
) -> None:
    fake.fault_next("chat.postMessage", fault)
    posted = post_once(client, "#war-room", MESSAGE, TAG)
    (message,) = tagged(fake)
    assert posted.found and (posted.channel, posted.ts) == ("C0WARROOM", message["ts"])
    assert len(fake.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("fault", ["500", "timeout", "drop"])
def test_a_post_slack_did_not_take_raises_and_nothing_is_there(
    fake: FakeSlack, client: WebClient, fault: str
) -> None:
    fake.fault_next("chat.postMessage", fault)
    with pytest.raises(Exception) as failure:
        post_once(client, "#war-room", MESSAGE, TAG)
    assert not isinstance(failure.value, Uncertain)
    assert tagged(fake) == [] and len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.calls_to("conversations.history")) == 1


def test_a_429_is_refused_so_it_is_sent_again_at_once(fake: FakeSlack, client: WebClient) -> None:
    fake.fault_next("chat.postMessage", "429")
    assert not post_once(client, "C0WARROOM", MESSAGE, TAG).found
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(tagged(fake)) == 1 and not fake.calls_to("conversations.history")


def test_a_refusal_is_no_doubt_and_needs_no_lookup(fake: FakeSlack, client: WebClient) -> None:
    fake.error_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError):
        post_once(client, "#war-room", MESSAGE, TAG)
    assert not fake.calls_to("conversations.history")


def test_an_answer_in_doubt_without_a_possible_lookup_is_uncertain(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fault_next("chat.postMessage", "taken_500")
    fake.error_next("conversations.history", "missing_scope")
    with pytest.raises(Uncertain, match="missing_scope"):
        post_once(client, "#war-room", MESSAGE, TAG)
    assert len(tagged(fake)) == 1 and len(fake.calls_to("chat.postMessage")) == 1


def test_may_exist_looks_first(fake: FakeSlack, client: WebClient) -> None:
    # Not there: posted. There: found, not posted again. Cannot look: nothing posted.
    first = post_once(client, "#war-room", MESSAGE, TAG, may_exist=True, since=NOW)
    again = post_once(client, "#war-room", MESSAGE, TAG, may_exist=True, since=NOW)
    assert not first.found and again.found and again.ts == first.ts
    other = Tag("warroom_test", {"workspace": WS, "what": "other"})
    fake.error_next("conversations.history", "not_in_channel")
    with pytest.raises(Uncertain):
        post_once(client, "#war-room", MESSAGE, other, may_exist=True, since=NOW)
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_thread_replies_and_dms_are_looked_up_where_they_are(
    fake: FakeSlack, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0WARROOM", text="alert opened")
    fake.fault_next("chat.postMessage", "taken_500")
    reply = post_once(client, "C0WARROOM", MESSAGE, TAG, thread_ts=parent["ts"])
    assert reply.found and fake.calls_to("conversations.replies")
    fake.fault_next("chat.postMessage", "taken_timeout")
    dm = post_once(client, "U0ADMIN", MESSAGE, TAG)
    assert dm.found and dm.channel == "D0ADMIN"
    assert fake.calls_to("conversations.open")[0].params["users"] == "U0ADMIN"
    assert len(tagged(fake)) == 2


def test_a_long_history_is_paged_and_a_too_long_one_is_uncertain(
    fake: FakeSlack, client: WebClient
) -> None:
    post_once(client, "C0WARROOM", MESSAGE, TAG)
    for n in range(250):
        client.chat_postMessage(channel="C0WARROOM", text=f"chatter {n}")
    assert find_message(client, "C0WARROOM", TAG, NOW) is not None
    assert len(fake.calls_to("conversations.history")) == 2
    other = Tag("warroom_test", {"what": "absent"})
    from bot.core import posting

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(posting, "MAX_PAGES", 1)
        with pytest.raises(Uncertain, match="more than"):
            find_message(client, "C0WARROOM", other, NOW)


# --------------------------------------------------------------------------- outbox


def test_send_once_reserves_so_a_twin_waits_and_a_repeat_is_done(
    db: Database, fake: FakeSlack, client: WebClient
) -> None:
    held = outbox.reserve(db, WS, "k1", "a", NOW)
    assert isinstance(held, outbox.Slot)
    busy = outbox.send_once(db, client, WS, "k1", "#war-room", MESSAGE, TAG, NOW, worker="b")
    assert busy.status == "busy" and tagged(fake) == []
    outbox.release(db, held)
    sent = outbox.send_once(db, client, WS, "k1", "#war-room", MESSAGE, TAG, NOW, worker="b")
    assert sent.status == "posted"
    repeat = outbox.send_once(db, client, WS, "k1", "#war-room", MESSAGE, TAG, NOW, worker="c")
    assert (repeat.status, repeat.ts) == ("done", sent.ts)
    assert len(tagged(fake)) == 1


def test_a_reservation_whose_process_died_is_taken_over_once_it_is_stale(
    db: Database, fake: FakeSlack, client: WebClient
) -> None:
    # The dead process got as far as posting: Slack took it.
    dead = outbox.reserve(db, WS, "k2", "dead", NOW)
    assert isinstance(dead, outbox.Slot)
    outbox.mark_sending(db, dead, NOW)
    client.chat_postMessage(channel="C0WARROOM", text="hello", metadata=TAG.metadata())
    early = NOW + outbox.STALE_AFTER / 2
    waiting = outbox.send_once(db, client, WS, "k2", "#war-room", MESSAGE, TAG, early, worker="b")
    assert waiting.status == "busy" and len(tagged(fake)) == 1
    later = NOW + outbox.STALE_AFTER
    sent = outbox.send_once(db, client, WS, "k2", "#war-room", MESSAGE, TAG, later, worker="b")
    assert sent.status == "found" and len(tagged(fake)) == 1
    # The dead process waking up may not post under a reservation no longer its own.
    with pytest.raises(TakenOver):
        outbox.mark_sending(db, dead, later)
    # An uncertain one is never posted again.
    other = Tag("warroom_test", {"what": "k3"})
    fake.fault_next("chat.postMessage", "500")
    fake.error_next("conversations.history", "missing_scope")
    first = outbox.send_once(db, client, WS, "k3", "#war-room", MESSAGE, other, NOW, worker="a")
    assert first.status == "uncertain"
    for moment in (NOW, NOW + timedelta(days=1)):
        again = outbox.send_once(
            db, client, WS, "k3", "#war-room", MESSAGE, other, moment, worker="b"
        )
        assert again.status == "still_uncertain"
    assert tagged(fake, other) == []


# --------------------------------------------------------------------------- alerts


def _open_alert(db: Database) -> alerts.Alert:
    finding = alerts.Finding("ltv_cac_low", "baidu", True, "LTV/CAC 1.6x", "/metric ltv_cac")
    (change,) = alerts.apply_findings(db, WS, [finding], NOW)
    return change.alert


def test_an_alert_reserved_by_a_process_that_died_is_posted_once_after_restart(
    settings: Settings, db: Database, fake: FakeSlack, client: WebClient
) -> None:
    alert = _open_alert(db)
    dead = outbox.reserve(db, WS, f"alert:{alert.id}:opened", "dead", NOW)
    assert isinstance(dead, outbox.Slot)
    clock = ManualClock(NOW + timedelta(minutes=1))
    ctx = Context(env=slack_settings(settings, fake), db=db, clock=clock)
    # A minute later the reservation is still fresh: it may be at work, so nothing is posted.
    assert post_alerts(ctx, client) == 0 and fake.posts() == []
    clock.advance(outbox.STALE_AFTER)
    assert post_alerts(ctx, client) == 1
    assert post_alerts(ctx, client) == 0
    (posted,) = fake.posts()
    assert (posted["metadata"]["event_type"], posted["channel"]) == ("warroom_alert", "C0WARROOM")
    assert alerts.open_alerts(db, WS)[0].opened_ts == posted["ts"]


def test_an_alert_posted_by_a_process_that_died_before_recording_it_is_not_posted_again(
    settings: Settings, db: Database, fake: FakeSlack, client: WebClient
) -> None:
    alert = _open_alert(db)
    dead = outbox.reserve(db, WS, f"alert:{alert.id}:opened", "dead", NOW)
    assert isinstance(dead, outbox.Slot)
    outbox.mark_sending(db, dead, NOW)
    tag = Tag("warroom_alert", {"workspace": WS, "alert": str(alert.id), "kind": "opened"})
    taken = client.chat_postMessage(channel="C0WARROOM", text="opened", metadata=tag.metadata())
    clock = ManualClock(NOW + outbox.STALE_AFTER)
    ctx = Context(env=slack_settings(settings, fake), db=db, clock=clock)
    assert post_alerts(ctx, client) == 0  # found, not posted
    assert len(fake.posts()) == 1
    assert alerts.open_alerts(db, WS)[0].opened_ts == taken["ts"]
    # Its resolution goes into that thread, once, even when Slack answers 500 after taking it.
    gone = alerts.Finding("ltv_cac_low", "baidu", False, "LTV/CAC 3.2x", "/metric ltv_cac")
    alerts.apply_findings(db, WS, [gone], clock.now())
    fake.fault_next("chat.postMessage", "taken_500")
    post_alerts(ctx, client)
    post_alerts(ctx, client)
    replies = fake.posts(lambda m: m.get("thread_ts") == taken["ts"])
    assert len(replies) == 1 and replies[0]["metadata"]["event_payload"]["kind"] == "resolved"


# --------------------------------------------------------------------------- the fund


@pytest.fixture
def fund_ctx(settings: Settings, db: Database, fake: FakeSlack) -> Context:
    make_team(db)
    connected = slack_settings(settings, fake)
    admin = Context(env=connected, db=db, clock=ManualClock(NOW), actor=ADMIN, surface="cli")
    fund.set_budget(admin, YEAR, "12m")
    return Context(env=connected, db=db, clock=ManualClock(NOW), actor=SUBMITTER, surface="slack")


def _proposal(ctx: Context) -> fund.ProposalView:
    return fund.submit_proposal(ctx, fund.ProposalDraft.from_values(_flat(proposal_values())))


@pytest.mark.parametrize("fault", ["taken_500", "taken_timeout"])
def test_a_proposal_post_in_doubt_is_posted_once(
    fund_ctx: Context, fake: FakeSlack, client: WebClient, fault: str
) -> None:
    proposal = _proposal(fund_ctx)
    fake.fault_next("chat.postMessage", fault)
    note = notify.after_submission(client, fund_ctx, proposal, edited=False)
    assert "waiting for approval" in note
    (posted,) = fake.posts(lambda m: m["channel"] == "C0FUND")
    shown = fund.get_proposal(fund_ctx, proposal.id)
    assert (shown.channel, shown.message_ts) == ("C0FUND", posted["ts"])
    # Publishing again (a later decision) updates that message.
    assert notify.publish(client, fund_ctx, shown) is None
    assert len(fake.posts(lambda m: m["channel"] == "C0FUND")) == 1


def test_a_decision_dm_in_doubt_is_sent_once(
    fund_ctx: Context, fake: FakeSlack, client: WebClient
) -> None:
    proposal = _proposal(fund_ctx)
    notify.publish(client, fund_ctx, proposal)
    ops = Context(env=fund_ctx.env, db=fund_ctx.db, clock=fund_ctx.clock, actor=OPS1)
    outcome = fund.reject(ops, proposal.id, "Overlaps the Q1 test.")
    fake.fault_next("chat.postMessage", "taken_500")
    assert notify.after_decision(client, ops, outcome) == outcome.message
    dms = fake.posts(lambda m: m["channel"] == "D" + SUBMITTER[1:])
    assert len(dms) == 1 and "rejected" in dms[0]["text"]


def test_updates_in_place_end_on_the_latest_state(fund_ctx: Context, fake: FakeSlack) -> None:
    # The default time-out: the held update must not be given up on and sent again.
    client = make_client(fund_ctx.env)
    proposal = _proposal(fund_ctx)
    notify.publish(client, fund_ctx, proposal)
    mkt = Context(env=fund_ctx.env, db=fund_ctx.db, clock=fund_ctx.clock, actor=MKT1)
    ops = Context(env=fund_ctx.env, db=fund_ctx.db, clock=fund_ctx.clock, actor=OPS1)
    first = fund.approve(mkt, proposal.id)
    # Marketing's update is held on its way; operations approves and updates meanwhile.
    gate = fake.block_next("chat.update")
    slow = threading.Thread(target=notify.publish, args=(client, mkt, first.proposal))
    slow.start()
    assert gate.arrived.wait(10)
    final = fund.approve(ops, proposal.id)
    assert notify.publish(client, ops, final.proposal) is None
    gate.release()
    slow.join(10)
    (message,) = fake.posts(lambda m: m["channel"] == "C0FUND")
    assert "Approved" in str(message["blocks"]) and "waiting" not in str(message["blocks"])
